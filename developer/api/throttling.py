"""Per-key throttling: one counter per API key and window in Django's cache, rate from ACORN_API_RATE.

A fixed window per key ("600/min": at most 600 requests in the minute from the key's first
request) counted with the cache's atomic `add` and `incr`, so every process sharing the cache
(Redis, or the file cache on one host, see acorn_portal/cache.py) counts against the same number.
The window's limit, what is left and when it resets go out on every response as the IETF draft's
RateLimit-* headers.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from acorn_portal import clock

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class RateLimit:
    limit: int
    remaining: int
    reset: int  # seconds until the window ends
    window: int  # seconds

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
            "RateLimit-Policy": f"{self.limit};w={self.window}",
        }


def parse_rate(rate: str) -> tuple[int, int]:
    """("600/min") → (600, 60)."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period.strip()[0]]


def window_start(prefix: str, period: int, now: float) -> float:
    """When the key's current window began: its first request after the last window ran out.

    `add` is atomic in the cache, so when two processes start a window at once both count in the one
    that was stored first.
    """
    name = f"throttle-window:{prefix}:{period}"
    cache.add(name, now, timeout=period)
    start = cache.get(name)
    return now if start is None else start


class KeyRateThrottle(BaseThrottle):
    """Counts requests per key in the shared cache; over the limit answers 429 with Retry-After."""

    def allow_request(self, request, view):
        key = getattr(request, "api_key", None)
        if key is None:
            return True  # unauthenticated requests are refused before they cost anything
        limit, period = parse_rate(settings.ACORN_API_RATE)
        now = clock.now().timestamp()
        start = window_start(key.prefix, period, now)
        counter = f"throttle:{key.prefix}:{period}:{start}"
        cache.add(counter, 0, timeout=period + 60)
        try:
            count = cache.incr(counter)
        except ValueError:  # evicted between add and incr
            cache.set(counter, 1, timeout=period + 60)
            count = 1
        reset = max(1, int(start + period - now + 0.999))
        request.rate_limit = RateLimit(limit, max(0, limit - count), reset, period)
        self._wait = reset
        return count <= limit

    def wait(self):
        return self._wait
