"""HTTP plumbing shared by the connectors: a token bucket, retries with backoff and jitter, a request log.

Plain `requests` on purpose: one `Session` per connector, explicit timeouts, no redirects followed
to other hosts, and every call (retries included) logged with the remote request id.

The session is an `acorn_portal.outbound.OutboundSession`: data source URLs are typed by users, so
a private, loopback or link-local target is refused (a permanent error: retrying cannot help) unless
settings.OUTBOUND_ALLOWED_NETWORKS allows it. Secrets the client was told about (credentials, access
tokens) are blanked out of every log entry and error message, whatever the remote side echoes back.
"""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass

import requests
from django.views.decorators.debug import sensitive_variables

from acorn_portal.outbound import OutboundRefused, OutboundSession
from datasources.connectors.base import ConnectorError, RequestLog, RequestLogEntry

RETRYABLE_STATUS = {429, 500, 502, 503, 504}
REQUEST_ID_HEADERS = ("x-amzn-RequestId", "X-Request-Id")
# What a flaky network looks like to requests: timeouts, resets, bodies cut short.
TRANSIENT_ERRORS = (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError)


class TokenBucket:
    """Client-side rate limit: `rate` tokens a second, at most `burst` saved up.

    SP-API limits each operation per application and selling partner (10 req/s, burst 10 for the
    vendor operations); waiting here is cheaper than being throttled with a 429.
    """

    def __init__(self, rate: float, burst: float, *, clock=time.monotonic, sleep=time.sleep):
        self.rate, self.burst = float(rate), float(burst)
        self.tokens = float(burst)
        self.clock, self.sleep = clock, sleep
        self.updated = clock()
        self.lock = threading.Lock()

    def take(self) -> float:
        """Take one token, waiting until there is one; returns the seconds waited."""
        with self.lock:
            now = self.clock()
            self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            wait = 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate
            self.tokens -= 1  # may go negative: the wait below pays it back
        if wait:
            self.sleep(wait)
        return wait


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded attempts with exponential backoff and full jitter (AWS architecture blog's variant).

    429 carries no rate-limit header (docs/AMAZON.md, § spapi), so there is nothing better to wait for.
    """

    attempts: int = 6
    base: float = 0.5
    cap: float = 30.0
    timeout: float = 30.0

    @classmethod
    def from_settings(cls, settings: dict) -> RetryPolicy:
        return cls(
            attempts=int(settings.get("max_attempts", cls.attempts)),
            base=float(settings.get("backoff_base", cls.base)),
            cap=float(settings.get("backoff_cap", cls.cap)),
            timeout=float(settings.get("timeout", cls.timeout)),
        )

    def delay(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.cap, self.base * 2 ** (attempt - 1)))


class Retryable(Exception):  # noqa: N818 - a signal to retry, not an error to report
    """A response worth asking again for (throttled, server error, unreadable body)."""

    def __init__(self, message: str, status: int | None = None, request_id: str = ""):
        super().__init__(message)
        self.status, self.request_id = status, request_id


REDACTED = "[redacted]"


def redact(text: str, secrets) -> str:
    """`text` with every secret value (longest first, so a prefix does not leave a tail) blanked out."""
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def request_id_of(response) -> str:
    for header in REQUEST_ID_HEADERS:
        if response.headers.get(header):
            return response.headers[header]
    return ""


class HttpClient:
    """JSON over HTTP with a bucket per operation, bounded retries, and every call in `log`."""

    def __init__(
        self, *, policy: RetryPolicy, log: RequestLog, rate: float = 10, burst: float = 10, seed=None, secrets=()
    ):
        self.session = OutboundSession(timeout=policy.timeout)
        self.policy, self.log = policy, log
        self.secrets: set[str] = {str(s) for s in secrets if s}
        self.rate, self.burst = rate, burst
        self.buckets: dict[str, TokenBucket] = {}
        self.rng = random.Random(seed)  # noqa: S311 - jitter, not security

    def bucket(self, operation: str) -> TokenBucket:
        if operation not in self.buckets:
            self.buckets[operation] = TokenBucket(self.rate, self.burst)
        return self.buckets[operation]

    @sensitive_variables("kwargs")  # bodies and headers carry tokens: never in an error report
    def call(self, operation: str, method: str, url: str, *, auth=None, **kwargs):
        """The parsed JSON body of a successful call; ConnectorError once retries are spent.

        `auth()` returns headers for each attempt, so a token refreshed meanwhile is used.
        """
        last: Exception | None = None
        for attempt in range(1, self.policy.attempts + 1):
            if attempt > 1:
                time.sleep(self.policy.delay(attempt - 1, self.rng))
            try:
                return self._attempt(operation, method, url, attempt, auth, kwargs)
            except Retryable as exc:
                last = exc
        request_id = getattr(last, "request_id", "")
        raise ConnectorError(
            self.redact(f"{operation}: gave up after {self.policy.attempts} attempts: {last}"), request_id=request_id
        )

    def redact(self, text: str) -> str:
        return redact(text, self.secrets)

    @sensitive_variables("kwargs", "headers")
    def _attempt(self, operation, method, url, attempt, auth, kwargs):
        self.bucket(operation).take()
        kwargs = dict(kwargs)
        headers = {**kwargs.pop("headers", {}), **(auth() if auth else {})}
        started = time.monotonic()
        entry = RequestLogEntry(operation, None, "", attempt, 0)
        try:
            response = self.session.request(
                method, url, headers=headers, timeout=self.policy.timeout, allow_redirects=False, **kwargs
            )
            entry.status, entry.request_id = response.status_code, request_id_of(response)
            return self._read(operation, response, entry, self.redact)
        except OutboundRefused as exc:
            entry.error = self.redact(str(exc))[:300]
            raise ConnectorError(f"{operation}: {entry.error}", permanent=True) from None
        except TRANSIENT_ERRORS as exc:
            entry.error = self.redact(f"{type(exc).__name__}: {exc}")[:300]
            raise Retryable(entry.error) from exc
        except Retryable as exc:
            entry.error = self.redact(str(exc))[:300]
            raise
        except ConnectorError as exc:
            entry.error = self.redact(str(exc))[:300]
            raise
        finally:
            entry.elapsed_ms = int((time.monotonic() - started) * 1000)
            self.log.add(entry)

    @staticmethod
    def _read(operation: str, response, entry: RequestLogEntry, redact_text):
        status, request_id = response.status_code, entry.request_id
        if status in RETRYABLE_STATUS:
            raise Retryable(f"HTTP {status}", status, request_id)
        if status >= 400:
            raise ConnectorError(
                f"{operation}: HTTP {status}: {redact_text(response.text[:2000])[:300]}",
                permanent=status != 408,  # bad credentials or a refused request: retrying will not help
                request_id=request_id,
                status=status,
            )
        try:
            return response.json()
        except (ValueError, json.JSONDecodeError) as exc:
            # A cut or garbled body is a transient fault of the remote side: ask again.
            raise Retryable(f"unreadable JSON ({exc})", status, request_id) from exc
