"""Per-key throttling: one bucket per API key, rate from settings.ACORN_API_RATE (e.g. "600/min")."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class KeyRateThrottle(SimpleRateThrottle):
    """Counts requests per key in the Django cache (share it across processes with a real cache in production)."""

    scope = "api_key"

    def get_rate(self):
        return settings.ACORN_API_RATE

    def get_cache_key(self, request, view):
        key = getattr(request, "api_key", None)
        if key is None:
            return None  # unauthenticated requests are refused before they cost anything
        return self.cache_format % {"scope": self.scope, "ident": key.prefix}
