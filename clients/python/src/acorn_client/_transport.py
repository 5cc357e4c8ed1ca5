"""The HTTP core: authentication, retries with backoff and jitter, idempotency keys, problem errors.

Retried: connection errors and timeouts, 429, 5xx except 501/505 (which a retry cannot fix), and
409 "request-in-progress" (the first request with the same Idempotency-Key has not finished).
No other 4xx is retried (a 413 body stays too large however often it is sent), and only requests
that are idempotent by method or carry an Idempotency-Key are retried at all.
A retry waits for the server's Retry-After when it sends one (delta-seconds or an HTTP date), else
`backoff_factor * 2**attempt` seconds capped at `max_backoff`, with "equal jitter" (half fixed,
half random) so that many clients failing together do not come back together.

Every POST carries an Idempotency-Key (a uuid4 unless the caller gives one). The same key is sent
on each retry of that call, so a request whose answer was lost (a timeout, a 502 from a proxy
after the server had done the work) is retried without a second effect: the server replays the
first result.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests

from ._version import __version__
from .errors import ApiError, RateLimitError, TransportError, error_class_for
from .oauth import OAuthTokens

log = logging.getLogger("acorn_client")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 507, 508, 509, 520, 521, 522, 523, 524})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_jitter = random.SystemRandom()


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; parsedate gives naive for "-0000"
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


class Transport:
    """One `requests.Session` with the credential (an API key or OAuth tokens), base URL, timeouts and the retry policy.

    With OAuth tokens, the access token is refreshed shortly before it expires, and once more when the
    server answers 401 to a token it had not yet expired (the request is then sent again).
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        oauth: OAuthTokens | None = None,
        timeout: float | tuple[float, float] = 30.0,
        max_retries: int = 4,
        backoff_factor: float = 0.5,
        max_backoff: float = 30.0,
        max_retry_after: float = 120.0,
        session: requests.Session | None = None,
        user_agent: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if not base_url:
            raise ValueError("base_url is required, e.g. https://acorn.example.com/api/v1/")
        if bool(api_key) == (oauth is not None):
            raise ValueError("give either api_key or oauth (tokens from acorn_client.oauth)")
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_factor = backoff_factor
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        self.session = session or requests.Session()
        self.oauth = oauth
        if api_key:
            self.session.headers["Authorization"] = f"Bearer {api_key}"
        self.session.headers.update(
            {
                "Accept": "application/json, application/problem+json",
                "User-Agent": user_agent or f"acorn-client-python/{__version__}",
            }
        )

    # URLs -------------------------------------------------------------------------------------

    def url_for(self, path: str) -> str:
        """An endpoint path ("chargebacks/") under the base URL, or a `next` link on the same origin.

        A `next` link is absolute; only its path and query are kept and put on the base URL's
        origin, so a link naming another host can never receive the key.
        """
        if "://" in path:
            parts = urlsplit(path)
            base = urlsplit(self.base_url)
            return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))
        if path.startswith("/"):
            base = urlsplit(self.base_url)
            return urlunsplit((base.scheme, base.netloc, path, "", ""))
        return urljoin(self.base_url, path)

    # Requests ---------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> requests.Response:
        """Send one logical request (retrying as the policy says); return the 2xx/3xx response or raise."""
        method = method.upper()
        url = self.url_for(path)
        headers = dict(headers or {})
        if method == "POST":
            headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        elif idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        # A retry without an idempotency key could repeat an effect: never retry such a write.
        can_retry = method in IDEMPOTENT_METHODS or "Idempotency-Key" in headers
        attempt = 0
        refreshed = False
        while True:
            if self.oauth is not None:
                headers["Authorization"] = self.oauth.authorization()
            if files is not None:
                _rewind(files)
            try:
                response = self.session.request(
                    method,
                    url,
                    params=_clean_params(params),
                    json=json,
                    data=data,
                    files=files,
                    headers=headers,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if not can_retry or attempt >= self.max_retries:
                    raise TransportError(f"{method} {url} failed after {attempt + 1} attempt(s): {exc}") from exc
                delay = self._backoff(attempt)
                log.warning("%s %s: %s; retry %d in %.2fs", method, url, exc.__class__.__name__, attempt + 1, delay)
            else:
                if response.status_code < 400:
                    return response
                if response.status_code == 401 and self.oauth is not None and not refreshed:
                    # Revoked or expired early: one refresh, then the same request again (same Idempotency-Key).
                    refreshed = True
                    response.close()
                    self.oauth.refresh(headers["Authorization"].removeprefix("Bearer "))
                    continue
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                retryable = can_retry and (response.status_code in RETRY_STATUSES or _in_progress(response))
                too_long = retry_after is not None and retry_after > self.max_retry_after
                if not retryable or attempt >= self.max_retries or too_long:
                    raise self._error(response, retry_after)
                delay = retry_after if retry_after is not None else self._backoff(attempt)
                log.warning(
                    "%s %s: %d; retry %d in %.2fs (request id %s)",
                    method,
                    url,
                    response.status_code,
                    attempt + 1,
                    delay,
                    response.headers.get("X-Request-ID", "-"),
                )
                response.close()
            attempt += 1
            self.sleep(delay)

    def get_json(self, path: str, **kwargs) -> Any:
        return _json_of(self.request("GET", path, **kwargs))

    def post_json(self, path: str, **kwargs) -> Any:
        return _json_of(self.request("POST", path, **kwargs))

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.max_backoff, self.backoff_factor * (2**attempt))
        return ceiling / 2 + _jitter.uniform(0, ceiling / 2)

    def _error(self, response: requests.Response, retry_after: float | None) -> ApiError:
        status = response.status_code
        body: dict[str, Any] = {}
        content_type = response.headers.get("Content-Type", "")
        if "json" in content_type:
            try:
                parsed = response.json()
            except ValueError:
                parsed = None
            if isinstance(parsed, dict):
                body = parsed
        title = str(body.get("title") or response.reason or "HTTP error")
        detail = body.get("detail")
        if detail is None:
            detail = "" if body else response.text[:500]
        errors = body.get("errors") if isinstance(body.get("errors"), dict) else None
        cls = error_class_for(status)
        if status == 429:
            cls = RateLimitError
        return cls(
            status,
            title,
            str(detail),
            type=str(body.get("type") or "about:blank"),
            instance=str(body.get("instance") or ""),
            request_id=str(body.get("request_id") or response.headers.get("X-Request-ID") or ""),
            errors=errors,
            body=body,
            retry_after=retry_after,
            method=response.request.method if response.request is not None else "",
            url=response.url,
        )

    def close(self) -> None:
        self.session.close()


def _in_progress(response: requests.Response) -> bool:
    """409 because the first request with this Idempotency-Key is still running: worth waiting for."""
    if response.status_code != 409 or "json" not in response.headers.get("Content-Type", ""):
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and str(body.get("type", "")).endswith("/request-in-progress")


def _json_of(response: requests.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    return response.json()


def _clean_params(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Drop None filters; render dates, decimals and booleans the way the API reads them."""
    if not params:
        return None
    cleaned: dict[str, Any] = {}
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple, set, frozenset)):
            cleaned[name] = [_param(item) for item in value]  # repeated: ?state=new&state=in_review
        else:
            cleaned[name] = _param(value)
    return cleaned


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _rewind(files: Any) -> None:
    """File objects are read by the first attempt; a retry must send them from the start again."""
    values = files.values() if isinstance(files, Mapping) else [item[1] for item in files]
    for value in values:
        handle = value[1] if isinstance(value, tuple) else value
        if hasattr(handle, "seek"):
            handle.seek(0)
