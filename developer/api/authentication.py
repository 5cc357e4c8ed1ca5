"""Bearer API keys: `Authorization: Bearer <prefix>.<secret>` → (the key's service user, the key).

djangorestframework-api-key's `HasAPIKey` is a permission, not authentication
(docs/decisions/0005-api-key-authentication.md): request.user would stay anonymous and history
would record nobody. This class looks the key up by its prefix (one indexed query that also brings
the service user), compares hashes in constant time, and refuses expired and revoked keys with a
reason a person can act on.
"""

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext
from rest_framework import authentication, exceptions

from acorn_portal import clock
from developer.models import APIKey
from developer.services.keys import cache_key, touch_last_used


class KeyAuthenticationFailed(exceptions.AuthenticationFailed):
    """401 with a machine-readable reason: unknown, malformed, expired or revoked."""

    def __init__(self, detail, reason: str):
        super().__init__(detail, code=reason)
        self.reason = reason


class BearerKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        token = token.strip()
        prefix, dot, secret = token.partition(".")
        if not (prefix and dot and secret) or " " in token:
            raise KeyAuthenticationFailed(
                gettext("The Authorization header must be 'Bearer <prefix>.<secret>'."), "malformed"
            )
        key = self._lookup(prefix)
        # The hash is compared even for an unknown prefix, so timing tells nothing about which prefixes exist.
        valid = key is not None and key.is_valid(token)
        if key is None or not valid:
            if key is None:
                APIKey.objects.key_generator.verify(token, _DUMMY_HASH)
            raise KeyAuthenticationFailed(gettext("Unknown API key."), "unknown_key")
        if key.revoked:
            raise KeyAuthenticationFailed(gettext("This API key has been revoked."), "revoked_key")
        if key.expiry_date is not None and key.expiry_date <= clock.now():
            raise KeyAuthenticationFailed(
                f"This API key expired on {key.expiry_date:%Y-%m-%d %H:%M} UTC.", "expired_key"
            )
        user = key.user
        if not user.is_active:
            raise KeyAuthenticationFailed(gettext("This API key's service user is disabled."), "revoked_key")
        # The service user belongs to exactly one organization: tenancy needs no membership query.
        user._acorn_org_ids = [key.organization_id]
        if touch_last_used(key):
            self._remember(key)
        request.api_key = key
        return user, key

    def _lookup(self, prefix: str):
        """The key row with its service user: from the cache for a few seconds, else one indexed query.

        Revoking deletes the cached row (services.keys.revoke_api_key), so a revocation is immediate
        where the cache is shared; with a per-process cache other processes follow within
        ACORN_API_KEY_CACHE_SECONDS. The hash is checked on every request either way.
        """
        if len(prefix) > 8:
            return None
        seconds = settings.ACORN_API_KEY_CACHE_SECONDS
        key = cache.get(cache_key(prefix)) if seconds else None
        if key == UNKNOWN_PREFIX:
            return None
        if key is None:
            # The prefix is unique: no ORDER BY, at most one row.
            found = list(APIKey.objects.select_related("user").filter(prefix=prefix).order_by()[:1])
            key = found[0] if found else None
            if key is not None:
                self._remember(key)
            elif seconds:
                # Remember the miss as well: otherwise an unknown prefix costs a query that a known one,
                # cached, does not, and the response time tells which prefixes exist. Issuing a key
                # clears its prefix's entry.
                cache.set(cache_key(prefix), UNKNOWN_PREFIX, seconds)
        return key

    @staticmethod
    def _remember(key):
        seconds = settings.ACORN_API_KEY_CACHE_SECONDS
        if seconds:
            key.user.__dict__.pop("_acorn_org_ids", None)
            key.user.__dict__.pop("_acorn_org_perms", None)  # the issuer's role is read again per request
            cache.set(cache_key(key.prefix), key, seconds)

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


UNKNOWN_PREFIX = "unknown"
_DUMMY_HASH = APIKey.objects.key_generator.hash("dummy.dummy")
