"""Webhook signatures: HMAC-SHA256 over "<timestamp>.<body>" with the endpoint's secret.

The header ACORN sends, and a receiver checks (see developer/WEBHOOKS.md):

    ACORN-Signature: t=1764158400,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd

The timestamp is inside the signed text, so a captured request cannot be replayed later than the
receiver's tolerance; `v1` may appear more than once while a secret is being rotated. This module
has no Django imports so receivers can copy it as it is.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SCHEME = "v1"


class SignatureError(ValueError):
    """The signature header is missing, malformed, too old, or does not match the body."""


def _as_bytes(value: str | bytes) -> bytes:
    return value.encode() if isinstance(value, str) else value


def compute(secret: str | bytes, body: str | bytes, timestamp: int) -> str:
    """The hex HMAC-SHA256 of "<timestamp>.<body>"."""
    message = str(int(timestamp)).encode() + b"." + _as_bytes(body)
    return hmac.new(_as_bytes(secret), message, hashlib.sha256).hexdigest()


def sign(secret: str | bytes, body: str | bytes, timestamp: int | None = None, *older: str | bytes) -> str:
    """The value of the ACORN-Signature header for this body, e.g. "t=1764158400,v1=5257a8…".

    Secrets in `older` (a rotation in progress) add one more v1 each, so receivers holding either verify.
    """
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    signatures = "".join(f",{SCHEME}={compute(key, body, timestamp)}" for key in (secret, *older))
    return f"t={timestamp}{signatures}"


def parse(header: str) -> tuple[int, list[str]]:
    """(timestamp, [v1 signatures]) from a header; SignatureError if it is not one of ours."""
    timestamp, signatures = None, []
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == SCHEME and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise SignatureError("The ACORN-Signature header has no timestamp or no v1 signature.")
    return timestamp, signatures


def verify(secret: str | bytes, body: str | bytes, header: str, tolerance: int = 300, now: float | None = None) -> int:
    """Check a received webhook; returns its timestamp, raises SignatureError if it must be rejected.

    `body` must be the raw request body exactly as received (parse JSON only after this check).
    `tolerance` is how many seconds the timestamp may differ from now (0 or None: not checked).
    """
    timestamp, signatures = parse(header)
    expected = compute(secret, body, timestamp)
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise SignatureError("The signature does not match the body: wrong secret, or the body was changed.")
    if tolerance:
        now = time.time() if now is None else now
        if abs(now - timestamp) > tolerance:
            raise SignatureError(f"The signature timestamp is {int(abs(now - timestamp))} s away from now.")
    return timestamp
