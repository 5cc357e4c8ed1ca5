"""Third-party apps on OAuth 2.0: the apps an organization registered, and the approvals that let an
app act for an organization.

django-oauth-toolkit keeps the OAuth rows (applications, grants, access and refresh tokens). An
approval adds what OAuth does not know: which organization, which role, which scopes, and the person
who approved. It acts through a delegate API key (no secret anyone knows), and every token of the
approval belongs to that key's service user, so a token is bound to one organization and the API
sees exactly the principal a key gives: organization, role, scopes, throttle bucket, audit actor.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from oauth2_provider.settings import oauth2_settings

from acorn_portal.tenancy import TenantQuerySet


class RegisteredApp(models.Model):
    """An OAuth client an organization's admin registered in the developer center.

    Other organizations may approve it too (on the consent page); revoking it here stops it everywhere.
    """

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE, related_name="registration"
    )
    organization = models.ForeignKey(
        "acorn_portal.Organization", on_delete=models.CASCADE, related_name="oauth_apps", help_text=_("The owner.")
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    tenant_path = "organization"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = "OAuth app"

    def __str__(self):
        return self.application.name

    @property
    def status(self) -> str:
        return "revoked" if self.revoked_at else "active"


class AppAuthorization(models.Model):
    """An admin's approval of one app for one organization, with the role and scopes its tokens get.

    `key` is the delegate: its service user owns every token issued under this approval.
    `approved_by` is the person behind those tokens (four eyes compares people, not service users).
    """

    organization = models.ForeignKey(
        "acorn_portal.Organization", on_delete=models.CASCADE, related_name="oauth_authorizations"
    )
    application = models.ForeignKey(
        oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE, related_name="acorn_authorizations"
    )
    key = models.OneToOneField("developer.APIKey", on_delete=models.PROTECT, related_name="oauth_authorization")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    tenant_path = "organization"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = "OAuth app authorization"

    def __str__(self):
        return f"{self.application.name} for {self.organization}"

    @property
    def status(self) -> str:
        return "revoked" if self.revoked_at else "active"
