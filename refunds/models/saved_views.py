from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from acorn_portal.tenancy import TenantQuerySet


class SavedViewQuerySet(TenantQuerySet):
    def for_user(self, user):
        """A person's own views in the organizations counted for this request (the one switched to)."""
        return self.visible_to(user).filter(owner=user)


class SavedView(models.Model):
    """A case-list filter and search a person named to pick again ("My overdue price claims").

    Per person and per organization: nobody else sees it, and it is only offered in the
    organization it was saved in (its filters name that organization's accounts and teams).
    """

    organization = models.ForeignKey("acorn_portal.Organization", on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filters"), max_length=1000, blank=True, help_text=_("The case list's query string."))
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_path = "organization"
    objects = SavedViewQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("saved view")
        constraints = [
            models.UniqueConstraint(fields=["organization", "owner", "name"], name="unique_saved_view_name"),
        ]

    def __str__(self):
        return self.name
