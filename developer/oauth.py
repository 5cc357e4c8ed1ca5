"""django-oauth-toolkit, fitted to ACORN: our scopes, recognisable tokens, and approvals as the owners of tokens.

Named in settings.OAUTH2_PROVIDER. The scopes are the API key scopes (developer.scopes.Scope), so a
token and a key are checked by the same permission class.
"""

import secrets

from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes

from developer.scopes import Scope

# Access and refresh tokens say what they are: the API tells them from API keys (which hold a '.')
# by this prefix, and secret scanners can recognise them.
ACCESS_TOKEN_PREFIX = "acorn_at_"  # noqa: S105 - a label, not a secret
REFRESH_TOKEN_PREFIX = "acorn_rt_"  # noqa: S105 - a label, not a secret


def new_access_token(request=None, *args, **kwargs) -> str:
    return ACCESS_TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_refresh_token(request=None, *args, **kwargs) -> str:
    return REFRESH_TOKEN_PREFIX + secrets.token_urlsafe(32)


class AcornScopes(BaseScopes):
    """The API key scopes; an app that asks for none is asked for read access to deductions."""

    def get_all_scopes(self):
        return dict(Scope.choices)

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        return list(Scope.values)

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return [Scope.CHARGEBACKS_READ.value]


def delegate_is_usable(user) -> bool:
    """Whether the service user behind a token still acts for an active approval."""
    key = getattr(user, "api_key", None) if user is not None else None
    return bool(user is not None and user.is_active and key is not None and not key.revoked)


class AcornValidator(OAuth2Validator):
    """Codes and tokens belong to the approval's service user, never to the person who clicked "Allow".

    The consent view passes that user as the credential `acorn_delegate`. Revoked apps are unknown
    clients; a refresh token of a revoked approval refreshes nothing.
    """

    def save_authorization_code(self, client_id, code, request, *args, **kwargs):
        delegate = getattr(request, "acorn_delegate", None)
        if delegate is None:
            raise ValueError("An authorization code is issued only through the consent page.")
        request.user = delegate
        super().save_authorization_code(client_id, code, request, *args, **kwargs)

    def _load_application(self, client_id, request):
        client = super()._load_application(client_id, request)
        registration = getattr(client, "registration", None) if client is not None else None
        if registration is not None and registration.revoked_at is not None:
            request.client = None
            return None
        return client

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        valid = super().validate_refresh_token(refresh_token, client, request, *args, **kwargs)
        return valid and delegate_is_usable(request.user)
