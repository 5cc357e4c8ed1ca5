"""Deadlines: when a deduction may be disputed, Amazon's last day, and our internal target.

A deadline is a *local calendar date* in the marketplace's time zone (`VendorAccount.time_zone`),
because Vendor Central shows and enforces dates in the marketplace's local time. So "today" is never
`date.today()` (the server's zone) but `local_today(zone)`: the current instant, `acorn_portal.clock.now()`
in UTC, converted to the account's zone, then its date. A deduction due on 28 February is overdue
from 1 March 00:00 in Los Angeles, which is 08:00 UTC — nine hours after Tokyo's 1 March began.

Windows are calendar days counted from an anchor date (`due = anchor + window_days`): Amazon counts
calendar days. The internal target counts back business days (Monday to Friday; public holidays are
not modelled — a holiday only makes the target a day early in effect, never late).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_noop

from acorn_portal import clock
from refunds.choices import WindowAnchor

DEFAULT_BUFFER_BUSINESS_DAYS = 5


def local_today(zone: str | ZoneInfo, *, now: datetime | None = None) -> date:
    """The calendar date it is right now in `zone` (an aware `now` may be given for tests and replays)."""
    return clock.today_in(zone, now=now)


def subtract_business_days(day: date, count: int) -> date:
    """`count` Mondays-to-Fridays before `day` (a weekend `day` first steps back to Friday)."""
    result = day
    while result.weekday() >= 5:
        result -= timedelta(days=1)
    remaining = count
    while remaining > 0:
        result -= timedelta(days=1)
        if result.weekday() < 5:
            remaining -= 1
    return result


@dataclass(frozen=True)
class AnchorDates:
    """The dates a window can start from, as far as matching found them (None: document not here yet)."""

    chargeback_date: date
    invoice_date: date | None = None
    invoice_due_date: date | None = None
    coop_invoice_date: date | None = None


@dataclass(frozen=True)
class Deadlines:
    disputable_from: date
    due_on: date
    target_on: date
    provisional: tuple[str, ...] = field(default=())  # why a date may still move (a missing invoice…)

    def is_overdue(self, today: date) -> bool:
        return today > self.due_on

    def in_blackout(self, today: date) -> bool:
        return today < self.disputable_from


def resolve_anchor(anchors: AnchorDates, anchor: str) -> tuple[date, str | None]:
    """The anchor's date, or the deduction date with a note saying what is missing."""
    if anchor in (WindowAnchor.CHARGEBACK_DATE, WindowAnchor.DEDUCTION_DATE):
        return anchors.chargeback_date, None
    if anchor == WindowAnchor.COOP_INVOICE_DATE:
        # Amazon's co-op invoice *is* the deduction: its date is the deduction's unless we hold the invoice.
        return anchors.coop_invoice_date or anchors.chargeback_date, None
    if anchor == WindowAnchor.INVOICE_DATE and anchors.invoice_date:
        return anchors.invoice_date, None
    if anchor == WindowAnchor.INVOICE_DUE_DATE and anchors.invoice_due_date:
        return anchors.invoice_due_date, None
    label = WindowAnchor(anchor).label.lower()
    # The deduction date is never later than the invoice date or its due date for a claim Amazon
    # raises against that invoice, so the stand-in errs on the early (safe) side for the due date.
    return anchors.chargeback_date, PROVISIONAL_NOTES.get(
        anchor, f"{label} unknown until the invoice arrives; counted from the deduction date"
    )


# Stored in English; pages translate them (refunds.services.verdict_display).
PROVISIONAL_NOTES = {
    WindowAnchor.INVOICE_DATE: gettext_noop(
        "invoice date unknown until the invoice arrives; counted from the deduction date"
    ),
    WindowAnchor.INVOICE_DUE_DATE: gettext_noop(
        "invoice due date unknown until the invoice arrives; counted from the deduction date"
    ),
}
# A rule's window anchor as the deadline check names it (lower case), for the catalogue.
ANCHOR_WORDS = [
    gettext_noop("chargeback date"),
    gettext_noop("deduction date"),
    gettext_noop("invoice date"),
    gettext_noop("invoice due date"),
    gettext_noop("co-op invoice date"),
]


def compute_deadlines(rule, anchors: AnchorDates, *, buffer_business_days: int) -> Deadlines:
    """Apply one policy rule to one deduction's dates."""
    notes = []
    start, note = resolve_anchor(anchors, rule.window_anchor)
    if note:
        notes.append(f"window: {note}")
    due_on = start + timedelta(days=rule.window_days)
    disputable_from = anchors.chargeback_date
    if rule.blackout_days and rule.blackout_anchor:
        blackout_start, note = resolve_anchor(anchors, rule.blackout_anchor)
        if note:
            notes.append(f"blackout: {note}")
        disputable_from = max(disputable_from, blackout_start + timedelta(days=rule.blackout_days))
    target_on = subtract_business_days(due_on, buffer_business_days)
    # Aiming before the first day Amazon takes a dispute would be pointless.
    target_on = min(max(target_on, disputable_from), due_on)
    return Deadlines(disputable_from, due_on, target_on, tuple(notes))


def is_overdue(chargeback, *, now: datetime | None = None) -> bool:
    """Amazon's last day has passed in the account's own time zone."""
    if chargeback.due_on is None:
        return False
    return local_today(chargeback.account.tz, now=now) > chargeback.due_on
