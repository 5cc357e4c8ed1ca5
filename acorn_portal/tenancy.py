"""Organization scoping: the one place that decides what a user may see.

Every tenant-owned model names the path from itself to its `Organization` in `tenant_path`
(e.g. "account__organization"); `TenantQuerySet.visible_to(user)` filters on it. Admin pages, the API
and tasks all go through it, so crossing organizations needs a bug in one function, not in fifty.
"""

from django.db import models


def organization_ids_for(user) -> list[int] | None:
    """The ids of the organizations a user belongs to; None means "all" (superusers)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return None
    cached = getattr(user, "_acorn_org_ids", None)
    if cached is None:
        from acorn_portal.models import Membership

        cached = list(Membership.objects.filter(user=user).values_list("organization_id", flat=True))
        user._acorn_org_ids = cached
    return cached


class TenantQuerySet(models.QuerySet):
    def visible_to(self, user):
        org_ids = organization_ids_for(user)
        if org_ids is None:
            return self
        path = self.model.tenant_path
        lookup = f"{path}_id__in" if path != "id" else "id__in"
        return self.filter(**{lookup: org_ids})

    def for_organization(self, organization):
        path = self.model.tenant_path
        return self.filter(**{path if path != "id" else "pk": organization})
