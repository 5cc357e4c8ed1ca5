"""Deadlines: local dates per marketplace, month ends, leap days, business-day buffers, anchors."""

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from refunds.choices import WindowAnchor
from refunds.services.deadlines import (
    AnchorDates,
    compute_deadlines,
    is_overdue,
    local_today,
    resolve_anchor,
    subtract_business_days,
)


def rule(window_days=30, anchor=WindowAnchor.CHARGEBACK_DATE, blackout_days=0, blackout_anchor=""):
    return SimpleNamespace(
        window_days=window_days, window_anchor=anchor, blackout_days=blackout_days, blackout_anchor=blackout_anchor
    )


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("America/Los_Angeles", date(2026, 2, 28)),  # 00:30 UTC on 1 March is still the 28th in LA
        ("America/Toronto", date(2026, 2, 28)),
        ("Europe/Berlin", date(2026, 3, 1)),
        ("Asia/Tokyo", date(2026, 3, 1)),
    ],
)
def test_local_today_is_the_marketplace_date(zone, expected):
    now = datetime(2026, 3, 1, 0, 30, tzinfo=UTC)
    assert local_today(zone, now=now) == expected


def test_is_overdue_depends_on_the_account_zone():
    due = date(2026, 2, 28)
    now = datetime(2026, 3, 1, 7, 59, tzinfo=UTC)  # 23:59 on the 28th in Los Angeles, 16:59 on the 1st in Tokyo
    us = SimpleNamespace(due_on=due, account=SimpleNamespace(tz=local_zone("America/Los_Angeles")))
    jp = SimpleNamespace(due_on=due, account=SimpleNamespace(tz=local_zone("Asia/Tokyo")))
    assert not is_overdue(us, now=now)
    assert is_overdue(jp, now=now)
    assert is_overdue(us, now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))  # midnight in LA


def local_zone(name):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def test_no_due_date_is_never_overdue():
    assert not is_overdue(SimpleNamespace(due_on=None, account=None))


@pytest.mark.parametrize(
    ("day", "count", "expected"),
    [
        (date(2026, 3, 13), 5, date(2026, 3, 6)),  # Friday → Friday a week before
        (date(2026, 3, 16), 1, date(2026, 3, 13)),  # Monday → the Friday before
        (date(2026, 3, 15), 0, date(2026, 3, 13)),  # a Sunday deadline aims at the Friday
        (date(2026, 3, 14), 5, date(2026, 3, 6)),  # Saturday → Friday, then 5 back
        (date(2024, 3, 1), 5, date(2024, 2, 23)),  # across a leap-year month end
    ],
)
def test_subtract_business_days(day, count, expected):
    assert subtract_business_days(day, count) == expected


def test_thirty_days_across_a_leap_day():
    d = compute_deadlines(rule(30), AnchorDates(chargeback_date=date(2024, 2, 15)), buffer_business_days=5)
    assert d.due_on == date(2024, 3, 16)  # 29 February counts
    assert d.disputable_from == date(2024, 2, 15)
    assert d.target_on == date(2024, 3, 8)  # Saturday due → Friday 15th, minus 5 business days


def test_thirty_days_across_a_month_end_in_a_common_year():
    d = compute_deadlines(rule(30), AnchorDates(chargeback_date=date(2026, 1, 31)), buffer_business_days=5)
    assert d.due_on == date(2026, 3, 2)


def test_two_years_from_a_leap_day():
    anchors = AnchorDates(chargeback_date=date(2024, 3, 1), invoice_date=date(2024, 2, 29))
    d = compute_deadlines(rule(730, WindowAnchor.INVOICE_DATE), anchors, buffer_business_days=0)
    assert d.due_on == date(2026, 2, 28)
    assert d.target_on == date(2026, 2, 27)  # a Saturday deadline: aim for the Friday


def test_shortage_blackout_from_invoice_due_date():
    anchors = AnchorDates(
        chargeback_date=date(2026, 2, 4), invoice_date=date(2026, 1, 10), invoice_due_date=date(2026, 2, 9)
    )
    shortage = rule(730, WindowAnchor.INVOICE_DATE, 35, WindowAnchor.INVOICE_DUE_DATE)
    d = compute_deadlines(shortage, anchors, buffer_business_days=5)
    assert d.disputable_from == date(2026, 3, 16)
    assert d.due_on == date(2028, 1, 10)
    assert d.in_blackout(date(2026, 3, 15)) and not d.in_blackout(date(2026, 3, 16))
    assert d.provisional == ()


def test_missing_invoice_falls_back_to_the_deduction_date_and_says_so():
    anchors = AnchorDates(chargeback_date=date(2026, 2, 4))
    d = compute_deadlines(rule(30, WindowAnchor.INVOICE_DUE_DATE), anchors, buffer_business_days=5)
    assert d.due_on == date(2026, 3, 6)
    assert "invoice due date unknown" in d.provisional[0]


def test_target_never_before_the_first_disputable_day():
    anchors = AnchorDates(
        chargeback_date=date(2026, 2, 4), invoice_date=date(2026, 1, 10), invoice_due_date=date(2026, 2, 9)
    )
    tight = rule(40, WindowAnchor.INVOICE_DUE_DATE, 35, WindowAnchor.INVOICE_DUE_DATE)
    d = compute_deadlines(tight, anchors, buffer_business_days=10)
    assert d.disputable_from == date(2026, 3, 16)
    assert d.due_on == date(2026, 3, 21)
    assert d.target_on == d.disputable_from


def test_coop_invoice_date_is_the_deduction_date_without_an_invoice():
    anchors = AnchorDates(chargeback_date=date(2026, 2, 4))
    assert resolve_anchor(anchors, WindowAnchor.COOP_INVOICE_DATE) == (date(2026, 2, 4), None)
