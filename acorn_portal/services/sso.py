"""Single sign-on per organization with OpenID Connect or SAML 2.0 (services.sso_saml), on django-allauth.

Each organization has at most one provider: one allauth `SocialApp`, either "openid_connect" (provider
id `org-<slug>`, written by `configure_sso`) or "saml" (provider id `saml-<slug>`, written by
`configure_saml`), changed only by that organization's admin. Sign-in starts with a POST to
`/accounts/oidc/org-<slug>/login/` or `/accounts/saml/<slug>/login/` and allauth does the protocol
(OpenID: discovery, state, nonce, PKCE, code exchange, ID token checks; SAML: see services.sso_saml).
What ACORN adds (acorn_portal.sso_adapter):

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
    """Create or change the organization's OpenID provider. `client_secret` None keeps the stored one."""
    _check_may_configure(actor, organization, default_role)
    issuer_url = issuer_url.strip().rstrip("/")
    try:
        check_url(issuer_url)
    except OutboundRefused as exc:
        raise ValidationError({"issuer_url": str(exc)}) from None
    existing = OrganizationSSO.objects.filter(organization=organization).select_related("app").first()
    keeps_app = existing is not None and existing.app.provider == PROVIDER
    if not keeps_app and not client_secret:
        raise ValidationError({"client_secret": _("Give the client secret the provider issued.")})
    app = _app_for(existing, organization, PROVIDER, provider_id_for(organization), client_id.strip())
    if client_secret:
        app.secret = client_secret
    app.settings = {"server_url": issuer_url, "oauth_pkce_enabled": True}
    return _save(
        actor=actor,
        organization=organization,
        existing=existing,
        app=app,
        default_role=default_role,
        require_sso=require_sso,
        enabled=enabled,
        request=request,
        audit={"protocol": "openid_connect", "issuer": issuer_url, "secret_replaced": bool(client_secret)},
    )


def configure_saml(
    *,
    actor,
    organization,
    entity_id: str,
    sso_url: str,
    x509cert: str,
    metadata_url: str = "",
    email_attribute: str = "",
    first_name_attribute: str = "",
    last_name_attribute: str = "",
    default_role: str,
    require_sso: bool,
    enabled: bool = True,
    request=None,
) -> OrganizationSSO:
    """Create or change the organization's SAML 2.0 identity provider (see services.sso_saml).

    With `metadata_url`, the entity ID, SSO URL and certificate are read from it now and stored.
    """
    from acorn_portal.services import sso_saml

    _check_may_configure(actor, organization, default_role)
    saml_settings = sso_saml.app_settings(
        entity_id=entity_id,
        sso_url=sso_url,
        x509cert=x509cert,
        metadata_url=metadata_url,
        email_attribute=email_attribute,
        first_name=first_name_attribute,
        last_name=last_name_attribute,
    )
    existing = OrganizationSSO.objects.filter(organization=organization).select_related("app").first()
    app = _app_for(existing, organization, sso_saml.PROVIDER, sso_saml.provider_id_for(organization), organization.slug)
    app.secret = ""
    app.settings = saml_settings
    idp = saml_settings["idp"]
    return _save(
        actor=actor,
        organization=organization,
        existing=existing,
        app=app,
        default_role=default_role,
        require_sso=require_sso,
        enabled=enabled,
        request=request,
        audit={"protocol": "saml", "idp_entity_id": idp["entity_id"], "sso_url": idp["sso_url"]},
    )


def _check_may_configure(actor, organization, default_role):
    if not may_manage(actor, organization.pk):
        raise PermissionDenied(_("Only an admin of this organization configures its single sign-on."))
    if default_role not in Role.values:
        raise ValidationError({"default_role": _("Pick a role.")})


def _app_for(existing, organization, provider: str, provider_id: str, client_id: str):
    """The organization's SocialApp for `provider`: the stored one, or a new one when the protocol changes.

    A new protocol gets a new app with its own provider id, so accounts linked through the old
    provider are never matched by an identifier the new one sends.
    """
    from allauth.socialaccount.models import SocialApp

    if existing is not None and existing.app.provider == provider:
        app = existing.app
    else:
        app = SocialApp(provider=provider, provider_id=provider_id)
    app.name = f"{organization.name} single sign-on"[:40]
    app.client_id = client_id
    return app


def _save(*, actor, organization, existing, app, default_role, require_sso, enabled, request, audit):
    with transaction.atomic():
        app.save()
        sso, _created = OrganizationSSO.objects.update_or_create(
            organization=organization,
            defaults={"app": app, "default_role": default_role, "require_sso": require_sso, "enabled": enabled},
        )
        if existing is not None and existing.app_id != app.pk:
            existing.app.delete()
        record_audit(
            AuditAction.SSO_CHANGED,
            actor=actor,
            request=request,
            target=sso,
            client_id=app.client_id,
            default_role=default_role,
            require_sso=require_sso,
            enabled=enabled,
            **audit,
        )
    return sso


def is_saml(found: OrganizationSSO | None) -> bool:
    return found is not None and found.app.provider == "saml"


def login_url_for(found: OrganizationSSO) -> str:
    """Where the sign-in button posts: allauth's login view of the organization's provider."""
    from django.urls import reverse

    if is_saml(found):
        return reverse("saml_login", kwargs={"organization_slug": found.app.client_id})
    return reverse("openid_connect_login", kwargs={"provider_id": found.app.provider_id})


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
    """scheme://host[:port] of the provider (SAML: of its SSO URL), where the sign-in form ends up."""
    from urllib.parse import urlsplit

    settings = found.app.settings
    url = settings.get("idp", {}).get("sso_url", "") if is_saml(found) else settings.get("server_url", "")
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
