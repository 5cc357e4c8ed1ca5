"""`Client`: the entry point, one per base URL and key (it keeps one HTTP session; use one per thread)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from . import resources
from ._transport import Transport
from .oauth import OAuthTokens


class Client:
    """ACORN v1 API client, with an API key or, for a third-party app, OAuth tokens (acorn_client.oauth).

        client = Client("https://acorn.example.com/api/v1/", api_key=os.environ["ACORN_API_KEY"])
        client = Client("https://acorn.example.com/api/v1/", oauth=exchange_code(...))  # refreshes itself
        for chargeback in client.chargebacks.list(state="new", marketplace="US"):
            print(chargeback.amazon_id, chargeback.amount)

    `timeout` is seconds (or a (connect, read) pair) per attempt; `max_retries` is how many times a
    request is repeated after a connection error, a 429 or a 5xx (0 turns retries off).
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        timeout: float | tuple[float, float] = 30.0,
        max_retries: int = 4,
        *,
        oauth: OAuthTokens | None = None,
        backoff_factor: float = 0.5,
        max_backoff: float = 30.0,
        max_retry_after: float = 120.0,
        session: requests.Session | None = None,
        user_agent: str | None = None,
        sleep: Callable[[float], None] | None = None,
    ):
        options: dict[str, Any] = {}
        if sleep is not None:
            options["sleep"] = sleep
        self._transport = Transport(
            base_url,
            api_key,
            oauth=oauth,
            timeout=timeout,
            max_retries=max_retries,
            backoff_factor=backoff_factor,
            max_backoff=max_backoff,
            max_retry_after=max_retry_after,
            session=session,
            user_agent=user_agent,
            **options,
        )
        self.chargebacks = resources.Chargebacks(self._transport)
        self.events = resources.Events(self._transport)
        self.documents = resources.Documents(self._transport)
        self.imports = resources.Imports(self._transport)
        self.sync_runs = resources.SyncRuns(self._transport)
        self.webhooks = resources.Webhooks(self._transport)
        self.ledger = resources.Ledger(self._transport)

    @property
    def base_url(self) -> str:
        return self._transport.base_url

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
