"""OAuth 2.0 access tokens: `Authorization: Bearer acorn_at_…` → (the approval's service user, its delegate key).

The principal is the one an API key gives (developer/api/authentication.py): `request.user` is a
service user that belongs to one organization with the approved role, `request.api_key` the
approval's delegate key with its scopes. So the scope check, the throttle bucket, idempotency,
history and the audit trail need nothing of their own for tokens. django-oauth-toolkit checks the
token (known, not expired); this class adds that the approval still stands.
"""

from django.utils.translation import gettext
from oauth2_provider.settings import oauth2_settings
from oauthlib.common import Request as OAuthRequest
from rest_framework import authentication

from developer.api.authentication import BearerKeyAuthentication, KeyAuthenticationFailed
from developer.oauth import ACCESS_TOKEN_PREFIX, delegate_is_usable
from developer.services.keys import touch_last_used


class OAuthTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != self.keyword.lower() or not token.strip().startswith(ACCESS_TOKEN_PREFIX):
            return None  # not an OAuth token: the API key authentication decides
        # The validator alone, not the whole oauthlib server: the token is in the header, the body stays unread.
        oauth_request = OAuthRequest(request.build_absolute_uri(), http_method=request.method)
        if not oauth2_settings.OAUTH2_VALIDATOR_CLASS().validate_bearer_token(token.strip(), [], oauth_request):
            raise KeyAuthenticationFailed(
                "Unknown or expired access token: refresh it or authorize again.", "invalid_token"
            )
        user = oauth_request.access_token.user
        if not delegate_is_usable(user):
            raise KeyAuthenticationFailed(
                gettext("This app's access to the organization has been revoked."), "revoked_token"
            )
        key = user.api_key
        # A refresh may have narrowed the token's scopes below the approval's: the narrower set counts.
        key.scopes = sorted(set(key.scopes) & set(oauth_request.access_token.scopes))
        user._acorn_org_ids = [key.organization_id]
        touch_last_used(key)
        request.api_key = key
        request.oauth_token = oauth_request.access_token
        return user, key

    def authenticate_header(self, request):
        return BearerKeyAuthentication().authenticate_header(request)
