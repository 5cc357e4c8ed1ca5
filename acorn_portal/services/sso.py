"""Single sign-on per organization with OpenID Connect, on django-allauth's `openid_connect` provider.

Each organization's provider is one allauth `SocialApp` (provider "openid_connect", provider id
`org-<slug>`), written only through `configure_sso` by that organization's admin. Sign-in starts at
`/accounts/oidc/org-<slug>/login/` (a POST) and allauth does the protocol: discovery, state, nonce,
PKCE, code exchange and ID token checks. What ACORN adds (acorn_portal.sso_adapter):

- just-in-time membership: whoever the provider signs in joins the organization in its chosen role;
- no sign-in to an existing account by an e-mail the provider claims (an organization's admin
  controls their provider, so trusting its e-mails would let them take over anyone's account);
- `require_sso`: members of such an organization cannot sign in with a password.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from acorn_portal.models import AuditAction, Membership
from acorn_portal.models_people import OrganizationSSO, Person
from acorn_portal.outbound import OutboundRefused, check_url
from acorn_portal.roles import Role
from acorn_portal.services.audit import record_audit
from acorn_portal.services.people import may_manage

PROVIDER = "openid_connect"


def provider_id_for(organization) -> str:
    return f"org-{organization.slug}"


def configure_sso(
    *,
    actor,
    organization,
    issuer_url: str,
    client_id: str,
    client_secret: str | None,
    default_role: str,
    require_sso: bool,
    enabled: bool = True,
    request=None,
) -> OrganizationSSO:
    """Create or change the organization's provider. `client_secret` None keeps the stored one."""
    from allauth.socialaccount.models import SocialApp

    if not may_manage(actor, organization.pk):
        raise PermissionDenied(_("Only an admin of this organization configures its single sign-on."))
    issuer_url = issuer_url.strip().rstrip("/")
    try:
        check_url(issuer_url)
    except OutboundRefused as exc:
        raise ValidationError({"issuer_url": str(exc)}) from None
    if default_role not in Role.values:
        raise ValidationError({"default_role": "Pick a role."})
    existing = OrganizationSSO.objects.filter(organization=organization).select_related("app").first()
    if existing is None and not client_secret:
        raise ValidationError({"client_secret": "Give the client secret the provider issued."})
    with transaction.atomic():
        app = existing.app if existing else SocialApp(provider=PROVIDER, provider_id=provider_id_for(organization))
        app.name = f"{organization.name} single sign-on"[:40]
        app.client_id = client_id.strip()
        if client_secret:
            app.secret = client_secret
        app.settings = {"server_url": issuer_url, "oauth_pkce_enabled": True}
        app.save()
        sso, _created = OrganizationSSO.objects.update_or_create(
            organization=organization,
            defaults={"app": app, "default_role": default_role, "require_sso": require_sso, "enabled": enabled},
        )
        record_audit(
            AuditAction.SSO_CHANGED,
            actor=actor,
            request=request,
            target=sso,
            issuer=issuer_url,
            client_id=app.client_id,
            secret_replaced=bool(client_secret),
            default_role=default_role,
            require_sso=require_sso,
            enabled=enabled,
        )
    return sso


def sso_for_provider(provider_id: str) -> OrganizationSSO | None:
    return (
        OrganizationSSO.objects.filter(app__provider_id=provider_id, enabled=True)
        .select_related("organization", "app")
        .first()
    )


def join_by_sso(*, user, sso: OrganizationSSO, now, request=None) -> Membership:
    """Just-in-time membership after a provider signed someone in (existing members keep their role)."""
    membership, created = Membership.objects.get_or_create(
        user=user, organization=sso.organization, defaults={"role": sso.default_role}
    )
    person, _created = Person.objects.get_or_create(user=user)
    person.current_organization = sso.organization
    person.email_verified_at = person.email_verified_at or now
    person.save(update_fields=["current_organization", "email_verified_at"])
    if created:
        record_audit(
            AuditAction.JOINED,
            actor=user,
            request=request,
            organization=sso.organization,
            via="single sign-on",
            role=sso.default_role,
        )
    return membership


def password_refused_for(user) -> str:
    """Why this user may not sign in with a password ('' when they may)."""
    if user is None or user.is_superuser:
        return ""
    names = list(
        OrganizationSSO.objects.filter(
            enabled=True, require_sso=True, organization__memberships__user=user
        ).values_list("organization__name", flat=True)
    )
    if not names:
        return ""
    return f"{', '.join(names)} requires single sign-on: use “Sign in with single sign-on”."


def check_discovery(issuer_url: str) -> tuple[bool, str]:
    """Whether the provider's discovery document answers, in a sentence (for the settings page)."""
    import requests

    url = issuer_url.rstrip("/") + "/.well-known/openid-configuration"
    try:
        check_url(url)
        response = requests.get(url, timeout=5, allow_redirects=False)
        response.raise_for_status()
        config = response.json()
    except (OutboundRefused, requests.RequestException, ValueError) as exc:
        return False, f"The provider's discovery document at {url} did not answer: {exc}."
    missing = [key for key in ("authorization_endpoint", "token_endpoint", "jwks_uri") if key not in config]
    if missing:
        return False, f"The discovery document at {url} lacks {', '.join(missing)}."
    return True, f"The provider at {config.get('issuer', issuer_url)} answers its discovery document."


def provider_origin(found: OrganizationSSO) -> str:
    """scheme://host[:port] of the provider, where the sign-in form ends up."""
    from urllib.parse import urlsplit

    parts = urlsplit(found.app.settings.get("server_url", ""))
    return f"{parts.scheme}://{parts.netloc}"
