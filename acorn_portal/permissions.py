"""Permissions in the context of one organization.

A user's Django groups are the union of the roles of all their memberships, so `user.has_perm()`
alone would let a manager of organization A approve cases of organization B where she is only
operations. Object-level decisions (workflow transitions, uploads, assignment) therefore ask
`has_org_perm`, which looks only at the roles the user holds in the object's organization. The
role groups stay the single source of what each role may do, so adjusting a group in the admin
still takes effect.
"""

from django.contrib.auth.models import Permission

from acorn_portal.roles import group_name


def org_permissions(user, organization_id: int) -> frozenset[str]:
    """The "app_label.codename" permissions the user's roles in this organization give (cached per user)."""
    cache = user.__dict__.setdefault("_acorn_perms_by_org", {})
    if organization_id not in cache:
        roles = list(user.memberships.filter(organization_id=organization_id).values_list("role", flat=True))
        rows = Permission.objects.filter(group__name__in=[group_name(role) for role in roles]).values_list(
            "content_type__app_label", "codename"
        )
        cache[organization_id] = frozenset(f"{app}.{codename}" for app, codename in rows)
    return cache[organization_id]


def has_org_perm(user, perm: str, organization_id: int) -> bool:
    """True if the user may use `perm` ("app_label.codename") inside that organization."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return perm in org_permissions(user, organization_id)


def is_member(user, organization_id: int) -> bool:
    """True if the user belongs to the organization (superusers belong everywhere)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.memberships.filter(organization_id=organization_id).exists()
