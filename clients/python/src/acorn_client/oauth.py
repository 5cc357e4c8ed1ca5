"""OAuth 2.0 for third-party apps: the authorization code flow with PKCE, and tokens that refresh themselves.

    verifier, challenge = pkce_pair()
    url = authorization_url("https://acorn.example.com", client_id, redirect_uri, ["chargebacks:read"],
                            state=state, code_challenge=challenge)
    # ... the organization's admin allows the app; ACORN redirects to redirect_uri?code=...&state=...
    tokens = exchange_code("https://acorn.example.com", client_id, code, redirect_uri, verifier,
                           on_refresh=save_tokens)
    client = Client("https://acorn.example.com/api/v1/", oauth=tokens)

Refresh tokens rotate: every refresh returns a new one and the old one stops working, so persist
the tokens in `on_refresh` (a refresh token used twice revokes the whole family).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import requests

from .errors import AuthenticationError

# Refresh this many seconds before the access token expires, so a request never carries a dying token.
EXPIRY_MARGIN = 30.0


def pkce_pair() -> tuple[str, str]:
    """A fresh (code_verifier, S256 code_challenge)."""
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorization_url(
    server: str, client_id: str, redirect_uri: str, scopes: Iterable[str], *, state: str, code_challenge: str
) -> str:
    """Where to send the admin's browser to allow the app (ACORN's consent page)."""
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(scopes),
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{server.rstrip('/')}/oauth/authorize/?{query}"


@dataclass
class OAuthTokens:
    """An access token and the refresh token that renews it; thread-safe refresh, `on_refresh` to persist them."""

    token_url: str
    client_id: str
    access_token: str
    refresh_token: str
    expires_at: float = 0.0  # time.time() when the access token expires; 0: unknown (refreshed on a 401)
    client_secret: str | None = None
    scope: str = ""
    on_refresh: Callable[[OAuthTokens], None] | None = None
    session: requests.Session | None = None
    clock: Callable[[], float] = time.time
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def authorization(self) -> str:
        """The Authorization header value, refreshing first when the access token is about to expire."""
        if self.expires_at and self.clock() >= self.expires_at - EXPIRY_MARGIN:
            self.refresh(self.access_token)
        return f"Bearer {self.access_token}"

    def refresh(self, stale_access_token: str | None = None) -> None:
        """Trade the refresh token for new tokens (once, even when several threads notice at the same time)."""
        with self._lock:
            if stale_access_token is not None and stale_access_token != self.access_token:
                return  # another thread refreshed already
            body = {"grant_type": "refresh_token", "refresh_token": self.refresh_token, "client_id": self.client_id}
            self._apply(_token_request(self.token_url, body, self.client_secret, self.session))
        if self.on_refresh is not None:
            self.on_refresh(self)

    def _apply(self, answer: dict[str, Any]) -> None:
        self.access_token = answer["access_token"]
        self.refresh_token = answer.get("refresh_token", self.refresh_token)
        self.scope = answer.get("scope", self.scope)
        expires_in = answer.get("expires_in")
        self.expires_at = self.clock() + float(expires_in) if expires_in else 0.0


def exchange_code(
    server: str,
    client_id: str,
    code: str,
    redirect_uri: str,
    code_verifier: str,
    *,
    client_secret: str | None = None,
    on_refresh: Callable[[OAuthTokens], None] | None = None,
    session: requests.Session | None = None,
) -> OAuthTokens:
    """Trade the authorization code (with the PKCE verifier) for tokens."""
    token_url = f"{server.rstrip('/')}/oauth/token/"
    body = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": client_id,
        "code_verifier": code_verifier,
    }
    tokens = OAuthTokens(
        token_url, client_id, "", "", client_secret=client_secret, on_refresh=on_refresh, session=session
    )
    tokens._apply(_token_request(token_url, body, client_secret, session))
    return tokens


def _token_request(token_url: str, body: dict, client_secret: str | None, session: requests.Session | None) -> dict:
    auth = (body["client_id"], client_secret) if client_secret else None
    response = (session or requests).post(token_url, data=body, auth=auth, timeout=30)
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if response.status_code != 200 or "access_token" not in answer:
        error = answer.get("error", "")
        detail = answer.get("error_description") or error or response.text[:200]
        raise AuthenticationError(
            response.status_code or 400, "OAuth token request refused", str(detail), type=f"oauth:{error}", body=answer
        )
    return answer
