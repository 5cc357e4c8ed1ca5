"""Keep the role groups and users' group memberships in line with `acorn_portal.roles`."""

import logging

from django.contrib.auth.models import Group, Permission

from acorn_portal.roles import ROLE_PERMISSIONS, Role, group_name

log = logging.getLogger(__name__)


def sync_role_groups(sender=None, **kwargs):
    """Create one group per role holding exactly the permissions the table gives it.

    Runs after every app's migrate (an app's permissions exist only after its own post_migrate),
    so a changed table is applied by the next deploy; idempotent.
    """
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name(role))
        wanted = []
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is None:
                log.debug("Role %s: permission %s does not exist yet", role, dotted)
                continue
            wanted.append(perm)
        group.permissions.set(wanted)


def sync_user_groups(user) -> None:
    """A user's role groups are the union of the roles of their memberships; staff iff a member."""
    roles = set(user.memberships.values_list("role", flat=True))
    role_groups = Group.objects.filter(name__in=[group_name(r) for r in Role])
    user.groups.remove(*[g for g in role_groups if g.name not in {group_name(r) for r in roles}])
    user.groups.add(*[g for g in role_groups if g.name in {group_name(r) for r in roles}])
    is_staff = bool(roles) or user.is_superuser
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
