"""Chargeback queries named after the queues people work from."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from acorn_portal.tenancy import TenantQuerySet
from refunds.choices import CLOSED_STATES, DECIDED_STATES, PRE_FILING_STATES, ChargebackState


class ChargebackQuerySet(TenantQuerySet):
    """Queues: `.open()`, `.assigned_to(user)`, `.unassigned()`, `.due_within(days)`, ..."""

    def open(self):
        return self.exclude(state__in=CLOSED_STATES)

    def assigned_to(self, user):
        return self.filter(assignee=user)

    def unassigned(self):
        return self.open().filter(assignee__isnull=True)

    def due_within(self, days: int, *, today=None):
        """Open cases not yet filed whose deadline falls in the next `days` days (overdue included)."""
        today = today or timezone.localdate()
        return self.filter(state__in=PRE_FILING_STATES, due_on__lte=today + timedelta(days=days))

    def overdue(self, *, today=None):
        """Cases still before filing whose last day to dispute has passed (the expiry sweep's work)."""
        today = today or timezone.localdate()
        return self.filter(state__in=PRE_FILING_STATES, due_on__lt=today)

    def awaiting_approval_by(self, user):
        """Pending cases this user could approve by role, excluding those they prepared or approved.

        The organization-aware check happens per case (`approval_levels_open_to`); this is the
        queue's coarse filter, by the permissions of the user's groups.
        """
        pending = self.filter(state=ChargebackState.PENDING_APPROVAL).exclude(prepared_by=user)
        levels = Q(pk__in=[])
        if user.has_perm("refunds.approve_dispute"):
            levels |= Q(approved_by__isnull=True)
        if user.has_perm("refunds.second_approve_dispute"):
            levels |= Q(requires_second_approval=True, second_approved_by__isnull=True) & ~Q(approved_by=user)
        return pending.filter(levels)

    def recently_decided(self, days: int = 14):
        return self.filter(state__in=DECIDED_STATES, decided_at__gte=timezone.now() - timedelta(days=days))
