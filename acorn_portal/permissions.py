"""Permissions in the context of one organization, by its id (for code that holds an id, not a row).

The rule itself lives in `acorn_portal.tenancy.organizations_with_perm`: a user's groups are the
union of the roles of all their memberships, so only the roles held in *that* organization count.
"""

from acorn_portal.tenancy import organizations_with_perm


def perm_in_org(user, perm: str, organization_id: int) -> bool:
    """True if the user's roles in the organization grant `perm` ("app_label.codename")."""
    allowed = organizations_with_perm(user, perm)
    return allowed is None or organization_id in allowed


def is_member(user, organization_id: int) -> bool:
    """True if the user belongs to the organization (superusers belong everywhere)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.memberships.filter(organization_id=organization_id).exists()
