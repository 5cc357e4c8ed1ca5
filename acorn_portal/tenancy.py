"""Organization scoping: the one place that decides what a user may see.

Every tenant-owned model names the path from itself to its `Organization` in `tenant_path`
(e.g. "account__organization"); `TenantQuerySet.visible_to(user)` filters on it. Admin pages, the API
and tasks all go through it, so crossing organizations needs a bug in one function, not in fifty.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.db import models


def organization_ids_for(user) -> list[int] | None:
    """The ids of the organizations a user belongs to; None means "all" (superusers)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return None
    cached = getattr(user, "_acorn_org_ids", None)
    if cached is None:
        cached = sorted({org_id for org_id, _role, _issuer in _memberships(user)})
        user._acorn_org_ids = cached
    return cached


def _memberships(user) -> list[tuple]:
    """(organization id, role, issuer) of each membership, the issuer being the person an API key's
    service user acts for (None for people): one query per request, cached on the user object."""
    cached = getattr(user, "_acorn_memberships", None)
    if cached is None:
        from acorn_portal.models import Membership

        memberships = Membership.objects.filter(user=user).select_related("delegate_of").order_by()
        cached = [(m.organization_id, m.role, m.delegate_of) for m in memberships]
        user._acorn_memberships = cached
    return cached


def work_in_organization(user, organization_id: int) -> None:
    """From here on, this user object (one request's) counts only `organization_id` among its organizations.

    Everything that scopes through this module (admin rows, choices, filters, object pages, the
    permission checks per organization) then shows and acts in the organization the person chose
    with the switcher, not in all of theirs at once. Superusers are left as they are (every organization).
    """
    if user is None or not user.is_authenticated or not user.is_active or user.is_superuser:
        return
    user._acorn_org_ids = [org_id for org_id in organization_ids_for(user) if org_id == organization_id]
    user._acorn_memberships = [membership for membership in _memberships(user) if membership[0] == organization_id]
    if hasattr(user, "_acorn_org_perms"):
        del user._acorn_org_perms  # read again from the narrowed memberships


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


def organizations_with_perm(user, perm: str) -> set[int] | None:
    """Organizations in which one of the user's memberships has a role granting `perm` ("app.codename").

    None means every organization (superusers). A Django permission alone is not enough: a user's
    groups are the union of all their roles, so an admin of one organization who is operations in
    another holds `change_membership` globally; this tells the two organizations apart. Role
    permissions are read from the role groups (the table in acorn_portal.roles, as synced), so the
    rules stay in one place; permissions granted to a user directly do not cross into organizations.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return None
    by_perm = getattr(user, "_acorn_org_perms", None)
    if by_perm is None:
        from django.contrib.auth.models import Group

        from acorn_portal.roles import Role, group_name

        # Two queries per request, cached on the user object the request carries.
        role_perms: dict[str, set[str]] = {}
        rows = Group.objects.filter(name__in=[group_name(role) for role in Role]).values_list(
            "name", "permissions__content_type__app_label", "permissions__codename"
        )
        for name, app_label, codename in rows:
            if codename:
                role_perms.setdefault(name, set()).add(f"{app_label}.{codename}")
        by_perm = {}
        for org_id, role, issuer in _memberships(user):
            for granted in role_perms.get(group_name(role), ()):
                # A delegate (an API key) holds a permission only while its person holds it too.
                if issuer is None or _issuer_may(issuer, granted, org_id):
                    by_perm.setdefault(granted, set()).add(org_id)
        user._acorn_org_perms = by_perm
    return set(by_perm.get(perm, ()))


def _issuer_may(issuer, perm: str, organization_id: int) -> bool:
    allowed = organizations_with_perm(issuer, perm)
    return allowed is None or organization_id in allowed


def person_ids_behind(user_ids, organization_id: int) -> dict[int, int]:
    """Each user id mapped to the person acting through it in that organization: an API key's
    service user to the key's issuer, everyone else to themselves (four eyes compares these)."""
    from acorn_portal.models import Membership

    ids = {user_id for user_id in user_ids if user_id is not None}
    behind = {user_id: user_id for user_id in ids}
    rows = Membership.objects.filter(
        organization_id=organization_id, user_id__in=ids, delegate_of__isnull=False
    ).values_list("user_id", "delegate_of_id")
    behind.update(dict(rows))
    return behind


def same_person(user_id, other_ids, organization_id: int) -> bool:
    """Whether `user_id` is, or acts for, the same person as any of `other_ids` in the organization."""
    others = [other for other in other_ids if other is not None]
    if user_id is None or not others:
        return False
    behind = person_ids_behind([user_id, *others], organization_id)
    return any(behind[user_id] == behind[other] for other in others)


def organization_id_of(obj) -> int | None:
    """The organization a tenant-owned object belongs to, by walking its `tenant_path`."""
    path = type(obj).tenant_path
    if path == "id":
        return obj.pk
    *hops, last = path.split("__")
    target = obj
    try:
        for hop in hops:
            target = getattr(target, hop)
    except ObjectDoesNotExist:
        return None
    return getattr(target, f"{last}_id", None) if target is not None else None


def is_tenant_owned(model) -> bool:
    return hasattr(model, "tenant_path")


def restrict_to_organizations(queryset, org_ids):
    """`queryset` limited to rows of the given organizations; None leaves it whole (superusers)."""
    if org_ids is None:
        return queryset
    path = queryset.model.tenant_path
    lookup = "pk__in" if path == "id" else f"{path}_id__in"
    return queryset.filter(**{lookup: sorted(org_ids)})


def perm_in_org(user, perm: str, organization_id: int | None) -> bool:
    """Whether the user's roles in that organization grant `perm` ("app_label.codename")."""
    allowed = organizations_with_perm(user, perm)
    return allowed is None or organization_id in allowed


def has_org_perm(user, perm: str, obj) -> bool:
    """Whether the user's role in the organization owning `obj` grants `perm` ("app.codename")."""
    return perm_in_org(user, perm, organization_id_of(obj))


def is_member(user, organization_id: int) -> bool:
    """Whether the user belongs to the organization (superusers belong everywhere)."""
    org_ids = organization_ids_for(user)
    return org_ids is None or organization_id in org_ids


def roles_for(user) -> set[str]:
    """The roles the user holds in the organizations counted for this request (the one switched to)."""
    if user is None or not user.is_authenticated:
        return set()
    return {role for _org_id, role, _issuer in _memberships(user)}
