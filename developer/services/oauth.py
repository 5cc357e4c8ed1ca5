"""Third-party apps on OAuth 2.0: register an app, approve it for an organization, revoke either.

The one door used by the developer center and the consent page. An approval acts through a delegate
API key (developer.models_oauth), so what a token may do is decided exactly as for a key.
"""

from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import AccessToken, Grant, RefreshToken, get_application_model
from oauth2_provider.settings import oauth2_settings

from acorn_portal import clock
from acorn_portal.tenancy import perm_in_org
from developer.models import APIKey, AppAuthorization, RegisteredApp
from developer.scopes import parse_scopes
from developer.services.keys import issue_api_key, revoke_api_key, roles_issuable_by

Application = get_application_model()

# A delegate key is never presented as a key: this is no hash any secret verifies against.
UNUSABLE_HASH = "!oauth-delegate"

# Roles from least to most; an approval may give a role up to the approver's own.
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def _require_admin(user, organization_id: int, what: str) -> None:
    if not perm_in_org(user, "developer.add_apikey", organization_id):
        raise PermissionDenied(_("Only the organization's admins may %(what)s.") % {"what": what})


def check_redirect_uris(text: str) -> list[str]:
    """The redirect URIs, one per line or space-separated: https, or http on a loopback address (RFC 8252)."""
    uris = text.split()
    if not uris:
        raise ValidationError({"redirect_uris": "Give at least one redirect URI."})
    for uri in uris:
        parts = urlsplit(uri)
        if parts.fragment or not parts.hostname:
            raise ValidationError({"redirect_uris": f"{uri} is not an absolute URI without a fragment."})
        loopback = parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS
        if parts.scheme not in oauth2_settings.ALLOWED_REDIRECT_URI_SCHEMES or not (
            parts.scheme == "https" or loopback
        ):
            raise ValidationError({"redirect_uris": f"{uri} must use https (http only on 127.0.0.1, where allowed)."})
    return uris


def register_app(
    *, organization, name: str, redirect_uris: str, confidential: bool, registered_by, request=None
) -> tuple[RegisteredApp, str | None]:
    """Register an OAuth client; returns (app, client secret or None for a public client). The secret is shown once."""
    _require_admin(registered_by, organization.pk, _("register OAuth apps"))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the app a name."})
    uris = check_redirect_uris(redirect_uris)
    secret = generate_client_secret() if confidential else None
    with transaction.atomic():
        application = Application.objects.create(
            name=name[:255],
            user=registered_by,
            redirect_uris=" ".join(uris),
            client_type=Application.CLIENT_CONFIDENTIAL if confidential else Application.CLIENT_PUBLIC,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            client_secret=secret or "",
            skip_authorization=False,
        )
        app = RegisteredApp.objects.create(
            application=application, organization=organization, registered_by=registered_by
        )
    return app, secret


def allowed_roles(user, organization) -> list[str]:
    """The roles `user` may give an app there: the same rule as for keys, since an app acts through one."""
    return roles_issuable_by(user, organization)


def approve_app(*, application, organization, scopes, role: str, approved_by, request=None) -> AppAuthorization:
    """An admin's "Allow": the app may act for the organization with this role and these scopes.

    A new approval of the same app for the same organization replaces the previous one (its tokens stop).
    """
    _require_admin(approved_by, organization.pk, _("approve OAuth apps"))
    registration = getattr(application, "registration", None)
    if registration is None or registration.revoked_at is not None:
        raise PermissionDenied(_("This app has been revoked."))
    if role not in allowed_roles(approved_by, organization):
        raise PermissionDenied(_("You cannot give an app a role with permissions you do not hold yourself."))
    try:
        scopes = parse_scopes(scopes)
    except ValueError as exc:
        raise ValidationError({"scopes": str(exc)}) from None
    with transaction.atomic():
        for previous in AppAuthorization.objects.filter(
            application=application, organization=organization, revoked_at__isnull=True
        ):
            revoke_authorization(authorization=previous, actor=approved_by, request=request)
        key, _secret = issue_api_key(
            organization=organization,
            name=f"OAuth: {application.name}",
            scopes=scopes,
            role=role,
            created_by=approved_by,
            request=request,
        )
        APIKey.objects.filter(pk=key.pk).update(hashed_key=UNUSABLE_HASH)
        return AppAuthorization.objects.create(
            organization=organization, application=application, key=key, approved_by=approved_by
        )


def revoke_authorization(*, authorization: AppAuthorization, actor, request=None) -> AppAuthorization:
    """Stop one app acting for one organization: its delegate key is revoked and every token deleted."""
    _require_admin(actor, authorization.organization_id, _("revoke OAuth apps"))
    with transaction.atomic():
        authorization = AppAuthorization.objects.select_for_update().select_related("key").get(pk=authorization.pk)
        if authorization.revoked_at is None:
            authorization.revoked_at = clock.now()
            authorization.save(update_fields=["revoked_at"])
        revoke_api_key(key=authorization.key, actor=actor, request=request)
        _delete_tokens(user_id=authorization.key.user_id)
    return authorization


def revoke_app(*, app: RegisteredApp, actor, request=None) -> RegisteredApp:
    """The owner withdraws an app: it becomes an unknown client, and every organization's approval of it ends."""
    _require_admin(actor, app.organization_id, _("revoke OAuth apps"))
    with transaction.atomic():
        app = RegisteredApp.objects.select_for_update().get(pk=app.pk)
        if app.revoked_at is None:
            app.revoked_at = clock.now()
            app.save(update_fields=["revoked_at"])
        for authorization in AppAuthorization.objects.filter(application_id=app.application_id).select_related("key"):
            # The owner may end approvals in other organizations too: the app itself is gone.
            if authorization.revoked_at is None:
                authorization.revoked_at = clock.now()
                authorization.save(update_fields=["revoked_at"])
            revoke_api_key(key=authorization.key, request=request)
            _delete_tokens(user_id=authorization.key.user_id)
    return app


def _delete_tokens(*, user_id: int) -> None:
    Grant.objects.filter(user_id=user_id).delete()
    RefreshToken.objects.filter(user_id=user_id).delete()
    AccessToken.objects.filter(user_id=user_id).delete()
