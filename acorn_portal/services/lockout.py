"""Sign-in lockout (django-axes): clearing a lock, and the audit trail of sign-ins.

Axes counts failed sign-ins per username and per address (settings.AXES_LOCKOUT_PARAMETERS) and
refuses both once AXES_FAILURE_LIMIT is reached, until AXES_COOLOFF_TIME passes or someone clears
the lock here.
"""

from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from acorn_portal.models import AuditAction, Membership
from acorn_portal.services.audit import record_audit
from acorn_portal.tenancy import organizations_with_perm


def organization_ids_of_username(username: str | None) -> list[int | None]:
    """The organizations whose admins should see an event about this username (None: superusers only)."""
    if not username:
        return [None]
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        return [None]
    return list(Membership.objects.filter(user=user).values_list("organization_id", flat=True)) or [None]


def audit_for_username(action, *, request, username: str | None, actor=None, **detail):
    for org_id in organization_ids_of_username(username):
        record_audit(action, request=request, actor=actor, actor_label=username or "", organization=org_id, **detail)


def may_clear(actor, username: str | None) -> bool:
    """Superusers clear any lock; an organization's admin clears the lock of its members' usernames."""
    if actor.is_superuser:
        return True
    if not username:
        return False
    user = get_user_model().objects.filter(username=username).first()
    if user is None or user.is_superuser:
        return False
    managed = organizations_with_perm(actor, "acorn_portal.change_membership") or set()
    theirs = set(Membership.objects.filter(user=user).values_list("organization_id", flat=True))
    return bool(theirs) and theirs <= managed


def clear_lockout(*, request, username: str | None = None, address: str | None = None) -> int:
    """Forget the failed sign-ins of a username and/or an address; returns how many records went.

    The cool-off ends a lock by itself too (settings.AXES_COOLOFF_TIME); this is for not waiting.

    An address (a lock that may cover many people) is for superusers only.
    """
    actor = request.user
    if not (username or address):
        raise ValueError("Name a username or an address to clear.")
    if address and not actor.is_superuser:
        raise PermissionDenied(_("Only a superuser clears a lock on an address."))
    if username and not may_clear(actor, username):
        raise PermissionDenied(_("You may not clear the sign-in lock of %(username)s.") % {"username": username})
    with transaction.atomic():
        # The lock is per username or per address, so clearing one clears every record counting it.
        which = Q(pk__in=[])
        if username:
            which |= Q(username=username)
        if address:
            which |= Q(ip_address=address)
        cleared = AccessAttempt.objects.filter(which).delete()[0]
        detail = {"username": username or "", "address": address or "", "records_cleared": cleared}
        if username:
            for org_id in organization_ids_of_username(username):
                record_audit(AuditAction.LOCKOUT_CLEARED, request=request, organization=org_id, **detail)
        else:
            record_audit(AuditAction.LOCKOUT_CLEARED, request=request, **detail)
    return cleared
