"""Chargeback queries named after the queues people work from, and the case search."""

import re
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.db.models import Q

from acorn_portal import clock
from acorn_portal.tenancy import TenantQuerySet
from refunds.choices import CLOSED_STATES, DECIDED_STATES, PRE_FILING_STATES, ChargebackState
from refunds.identifiers import normalize_po_number

# Words of a search taken as separate numbers ("1146255532 1146255829" pasted from a sheet).
SEARCH_WORDS = 20
_SEPARATORS = re.compile(r"[\s,;]+")


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
        today = today or clock.server_today()
        return self.filter(state__in=PRE_FILING_STATES, due_on__lte=today + timedelta(days=days))

    def overdue(self, *, today=None):
        """Cases still before filing whose last day to dispute has passed (the expiry sweep's work)."""
        today = today or clock.server_today()
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

    def find(self, text: str, *, account_ids):
        """Cases that `text` names: an Amazon id, dispute or case id, ASIN, invoice or PO number.

        The whole text and each of its words are tried, as typed and upper-cased (Amazon writes its
        ids in capitals), with `=` so every branch is one index probe; PO numbers are compared in
        their normalised form ("po# 2jk3s9vc" is 2JK3S9VC). Amazon ids and PO numbers are indexed
        per vendor account, so their branches name the accounts (`account_ids`: those the user may
        see) to reach the index instead of scanning it.
        """
        text = (text or "").strip()
        if not text:
            return self
        words = [word for word in _SEPARATORS.split(text) if word][:SEARCH_WORDS]
        terms = sorted({text, *words})
        ids = sorted({*terms, *(term.upper() for term in terms)})
        po_numbers = sorted({normalize_po_number(term) for term in terms} - {""})
        accounts = sorted(account_ids)
        condition = (
            Q(account_id__in=accounts, amazon_id__in=ids)
            | Q(asin__in=ids)
            | Q(invoice_number__in=ids)
            # Partial indexes hold only the cases that have these ids.
            | (Q(amazon_dispute_id__in=ids) & ~Q(amazon_dispute_id=""))
            | (Q(filed_case_id__in=ids) & ~Q(filed_case_id=""))
        )
        if po_numbers:
            condition |= Q(account_id__in=accounts, po_number_normalized__in=po_numbers)
        return self.filter(condition)

    def recently_decided(self, days: int = 14):
        """People's decisions of the last `days` days; a window that closed on its own is nobody's decision."""
        decided = [state for state in DECIDED_STATES if state != ChargebackState.EXPIRED]
        return self.filter(state__in=decided, decided_at__gte=clock.now() - timedelta(days=days))

    # --- dashboard figures: "today" is each account's own, in its marketplace's time zone --------------

    def _per_local_today(self, build, now=None, *, bound=None):
        """OR over the accounts' local dates of `build(local_today)`, so each case is judged by its own calendar.

        Named by account ids, not through the accounts table (a join the planner misjudges, which
        keeps a queue from reading its first page off an index); when every account's calendar says
        the same day (most hours of the day) the condition is `build(today)` alone. `bound(earliest,
        latest)`, given, is a condition every `build(today)` implies: one range an index can read,
        where the OR of several dates is none.
        """
        groups = local_today_accounts(now)
        if len(groups) == 1:
            (today,) = groups
            return self.filter(build(today))
        if groups and bound is not None:
            # The same rows said the other way round: within the bound, but not an account's row that
            # fails its own date. Every account is in exactly one group, so this is the OR below; the
            # planner estimates it as the bound's range (the OR it would count twice, and sort).
            misses = Q(pk__in=[])
            for today, account_ids in groups.items():
                misses |= Q(account_id__in=account_ids) & ~build(today)
            return self.filter(bound(min(groups), max(groups))).exclude(misses)
        condition = Q(pk__in=[])
        for today, account_ids in groups.items():
            condition |= Q(account_id__in=account_ids) & build(today)
        return self.filter(condition)

    def overdue_local(self, now=None):
        """Not yet filed and past Amazon's last day, in the marketplace's calendar."""
        return self.filter(state__in=PRE_FILING_STATES)._per_local_today(lambda today: Q(due_on__lt=today), now)

    def due_this_week_local(self, now=None):
        """Not yet filed and due from today to Sunday of this week (marketplace calendar)."""
        return self.filter(state__in=PRE_FILING_STATES)._per_local_today(
            lambda today: Q(due_on__gte=today, due_on__lte=week_end(today)), now
        )

    def recovered_this_local(self, period: str, now=None):
        """Credits recorded this calendar month or quarter (`period`), in the marketplace's calendar."""
        return self.filter(recovered_on__isnull=False)._per_local_today(
            lambda today: Q(recovered_on__gte=period_start(today, period), recovered_on__lte=today), now
        )

    def aged_local(self, low: int, high: int | None, now=None):
        """Open deductions issued `low` to `high` days ago (inclusive; None: no upper limit)."""

        def build(today):
            condition = Q(issue_date__lte=today - timedelta(days=low))
            if high is not None:
                condition &= Q(issue_date__gte=today - timedelta(days=high))
            return condition

        return self.open()._per_local_today(build, now)


# Inside `account_zones_read_once`: a dict holding the accounts' (id, time zone) rows once read.
_ACCOUNT_ZONES: ContextVar[dict | None] = ContextVar("account_zones", default=None)


@contextmanager
def account_zones_read_once():
    """Within this block the accounts' time zones are read once (a page that builds several queues)."""
    token = _ACCOUNT_ZONES.set({})
    try:
        yield
    finally:
        _ACCOUNT_ZONES.reset(token)


def _account_zones() -> list[tuple[int, str]]:
    from acorn_portal.models import VendorAccount

    cache = _ACCOUNT_ZONES.get()
    if cache is not None and "rows" in cache:
        return cache["rows"]
    rows = list(VendorAccount.objects.order_by("pk").values_list("pk", "time_zone"))
    if cache is not None:
        cache["rows"] = rows
    return rows


def local_today_accounts(now=None) -> dict:
    """{local date: [vendor account ids]}: the accounts whose calendar says that date (one query,
    none again inside `account_zones_read_once`)."""
    from zoneinfo import ZoneInfo

    now = now or clock.now()
    dates: dict = {}
    groups: dict = {}
    for account_id, zone in _account_zones():
        if zone not in dates:
            dates[zone] = now.astimezone(ZoneInfo(zone)).date()
        groups.setdefault(dates[zone], []).append(account_id)
    return groups


def local_today_groups(now=None) -> dict:
    """{local date: [time zones]} over the time zones vendor accounts use (a handful of rows)."""
    from zoneinfo import ZoneInfo

    from acorn_portal.models import VendorAccount

    now = now or clock.now()
    groups: dict = {}
    zones = VendorAccount.objects.order_by("time_zone").values_list("time_zone", flat=True).distinct()
    for zone in zones:
        groups.setdefault(now.astimezone(ZoneInfo(zone)).date(), []).append(zone)
    return groups


def week_end(today):
    """Sunday of the ISO week `today` is in."""
    return today + timedelta(days=6 - today.weekday())


def period_start(today, period: str):
    """First day of the calendar month or quarter `today` is in."""
    if period == "month":
        return today.replace(day=1)
    if period == "quarter":
        return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    raise ValueError(f"Unknown period {period!r}.")
