"""Verify ACORN's webhook signatures.

Each delivery carries `ACORN-Signature: t=<unix seconds>,v1=<hex>` where the hex is
HMAC-SHA256(secret, "<t>.<raw body>"). Check it on the raw bytes you received (before any JSON
parsing), in constant time, and refuse old timestamps so a captured delivery cannot be replayed.
During a secret rotation the header may carry several v1 values; one match is enough.

    from acorn_client.webhooks import verify_signature, SignatureVerificationError

    try:
        event = verify_signature(secret, request.body, request.headers["ACORN-Signature"])
    except SignatureVerificationError:
        return HttpResponse(status=400)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from .errors import SignatureVerificationError

SIGNATURE_HEADER = "ACORN-Signature"
SCHEME = "v1"


def compute_signature(secret: str | bytes, body: str | bytes, timestamp: int) -> str:
    """The hex v1 signature of `body` sent at `timestamp` (what ACORN puts in the header)."""
    key = secret.encode() if isinstance(secret, str) else secret
    payload = body.encode() if isinstance(body, str) else body
    return hmac.new(key, str(int(timestamp)).encode() + b"." + payload, hashlib.sha256).hexdigest()


def signature_header(secret: str | bytes, body: str | bytes, timestamp: int | None = None) -> str:
    """A complete header value; useful for testing your receiver."""
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={timestamp},{SCHEME}={compute_signature(secret, body, timestamp)}"


def parse_header(header: str) -> tuple[int, list[str]]:
    """(timestamp, [v1 signatures]) from a header value; raises SignatureVerificationError if malformed."""
    if not header or not isinstance(header, str):
        raise SignatureVerificationError("Missing ACORN-Signature header.")
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            raise SignatureVerificationError(f"Malformed ACORN-Signature element {part.strip()!r}.")
        if name == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise SignatureVerificationError("ACORN-Signature timestamp is not an integer.") from None
        elif name == SCHEME:
            signatures.append(value.strip().lower())
    if timestamp is None:
        raise SignatureVerificationError("ACORN-Signature has no timestamp (t=).")
    if not signatures:
        raise SignatureVerificationError("ACORN-Signature has no v1 signature.")
    return timestamp, signatures


def verify_signature(
    secret: str | bytes,
    body: str | bytes,
    header: str,
    tolerance: int = 300,
    *,
    now: float | None = None,
) -> Any:
    """Check `header` against `body`; return the parsed JSON body, or raise SignatureVerificationError.

    `tolerance` is how many seconds the timestamp may differ from now (either way: clock skew);
    0 or None turns the age check off (not recommended).
    """
    if not secret:
        raise SignatureVerificationError("No webhook secret configured.")
    timestamp, signatures = parse_header(header)
    if tolerance:
        current = time.time() if now is None else now
        if abs(current - timestamp) > tolerance:
            raise SignatureVerificationError(
                f"ACORN-Signature timestamp is {int(current - timestamp)}s away from now (tolerance {tolerance}s)."
            )
    expected = compute_signature(secret, body, timestamp)
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise SignatureVerificationError("ACORN-Signature does not match the body.")
    payload = body.decode() if isinstance(body, bytes) else body
    try:
        return json.loads(payload) if payload else None
    except ValueError:
        return payload
