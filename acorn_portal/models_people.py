"""People around an organization: who signed up, who was invited, how its members sign in.

- `SignUpRequest`: a company asking for an organization; nothing else exists until its e-mail is
  verified (acorn_portal.services.signup).
- `Person`: what ACORN knows of a user beyond Django's: when their e-mail was verified and which of
  their organizations they are working in.
- `Invitation`: an organization admin's single-use, seven-day link for someone to join with a role.
- `OrganizationSSO`: an organization's OpenID Connect provider (a django-allauth SocialApp), the
  role newcomers get, and whether passwords are refused for its members.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from acorn_portal.roles import Role
from acorn_portal.tenancy import TenantQuerySet


def token_digest(token: str) -> str:
    """Links carry a random token; only its SHA-256 is stored, so a database copy opens nothing."""
    return hashlib.sha256(token.encode()).hexdigest()


class SignUpRequest(models.Model):
    """A company's request for an organization, waiting for its e-mail to be verified."""

    email = models.EmailField()
    company_name = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=150)
    phone = models.CharField(max_length=40, blank=True)
    password_hash = models.CharField(max_length=256, editable=False)
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    verified_at = models.DateTimeField(null=True, blank=True)
    organization = models.ForeignKey(
        "acorn_portal.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.company_name} <{self.email}>"


class Person(models.Model):
    """ACORN's facts about a user: e-mail verified, and the organization they are working in now."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="person")
    email_verified_at = models.DateTimeField(null=True, blank=True)
    current_organization = models.ForeignKey(
        "acorn_portal.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Empty: follow the browser, then the organization's default (acorn_portal.languages).
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)

    def __str__(self):
        return str(self.user)


class InvitationQuerySet(TenantQuerySet):
    def pending(self, now):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)


class Invitation(models.Model):
    """An invitation to join an organization with a role: valid until `expires_at`, used at most once."""

    organization = models.ForeignKey("acorn_portal.Organization", on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    tenant_path = "organization"
    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} as {self.get_role_display()} in {self.organization}"

    def state(self, now) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        return "expired" if self.expires_at <= now else "pending"


class OrganizationSSO(models.Model):
    """An organization's OpenID Connect sign-in: its provider, newcomers' role, and whether it is the only way in."""

    organization = models.OneToOneField("acorn_portal.Organization", on_delete=models.CASCADE, related_name="sso")
    app = models.OneToOneField("socialaccount.SocialApp", on_delete=models.PROTECT, related_name="acorn_sso")
    default_role = models.CharField(
        max_length=20,
        choices=Role.choices,
        default=Role.OPERATIONS,
        help_text=_("People the provider signs in who are not members yet join with this role."),
    )
    require_sso = models.BooleanField(
        "require single sign-on",
        default=False,
        help_text=_("Members of this organization cannot sign in with a password (superusers still can)."),
    )
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_path = "organization"
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("single sign-on")

    def __str__(self):
        return f"Single sign-on of {self.organization}"
