"""One clock: business code learns the time from acorn_portal.clock (or a `now=`/`today=` argument).

A stray `timezone.now()` or `date.today()` is how a suite goes red when the calendar moves on: the
test freezes one clock and the code reads another. This guard reads the source, so it fails at the
line that slipped in, whatever day it is.
"""

import ast
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine

from acorn_portal import clock
from acorn_portal.marketplaces import get_marketplace

ROOT = Path(__file__).resolve().parents[2]
BUSINESS_PACKAGES = ["acorn_portal", "refunds", "datasources", "developer"]

# Calls that read the wall clock, by their dotted name's last two parts. `timezone.localdate(value)`
# and `localtime(value)` only convert a given instant and are fine; without a value they read the clock.
READS_THE_CLOCK = {"timezone.now", "date.today", "datetime.now", "datetime.today", "datetime.utcnow", "time.time"}
READS_THE_CLOCK_WITHOUT_A_VALUE = {"timezone.localdate", "timezone.localtime"}


def dotted(node) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts[:2]))


def clock_reads(source: str) -> list[int]:
    """Line numbers of calls that read the wall clock (a reference such as `default=timezone.now` too)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = dotted(node.func)
            if name in READS_THE_CLOCK or (name in READS_THE_CLOCK_WITHOUT_A_VALUE and not node.args):
                lines.append(node.lineno)
        elif isinstance(node, ast.keyword) and dotted(node.value) in READS_THE_CLOCK:
            lines.append(node.value.lineno)  # a field default or callback handed the real clock
    return sorted(lines)


# path -> why it may read the clock itself
ALLOWED = {
    "acorn_portal/clock.py": "the one clock",
    # Django-free on purpose so webhook receivers can copy it; ACORN's own sender passes the timestamp.
    "developer/signing.py": "receivers' default timestamp",
}


def business_sources():
    for package in BUSINESS_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" not in relative:
                yield relative, path


def test_business_code_reads_the_time_only_through_the_clock():
    offenders = []
    for relative, path in business_sources():
        if relative in ALLOWED:
            continue
        source = path.read_text()
        lines = source.splitlines()
        offenders += [f"{relative}:{n}: {lines[n - 1].strip()}" for n in clock_reads(source)]
    assert not offenders, "read the time through acorn_portal.clock or take now=/today=:\n" + "\n".join(offenders)


def test_the_guard_catches_what_it_is_meant_to():
    for bad in (
        "now = timezone.now()",
        "d = date.today()",
        "t = datetime.now(UTC)",
        "t = dt.datetime.utcnow()",
        "timezone.localdate()",
        "timezone.localdate(timezone=tz)",
        "f(default=timezone.now)",
        "int(time.time())",
    ):
        assert clock_reads(bad) == [1], bad
    for fine in ("clock.now()", "timezone.localdate(now)", "timezone.localtime(value)", 'x = "timezone.now()"'):
        assert clock_reads(fine) == [], fine
    assert set(ALLOWED) <= {relative for relative, _ in business_sources()}, "an allow-listed file is gone"


def test_today_is_the_marketplaces_date_not_the_servers():
    # 2029-03-11 06:30 UTC: still the 10th in Los Angeles (22:30 PST), already the 11th in Tokyo.
    with time_machine.travel(datetime(2029, 3, 11, 6, 30, tzinfo=UTC), tick=False):
        assert clock.now() == datetime(2029, 3, 11, 6, 30, tzinfo=UTC)
        assert clock.local_today("US") == date(2029, 3, 10)
        assert clock.local_today(get_marketplace("JP")) == date(2029, 3, 11)
        assert clock.today_in("America/Los_Angeles") == date(2029, 3, 10)
    # US clocks spring forward on 11 March 2029: that day starts at 08:00 UTC (PST), the next at 07:00 (PDT).
    assert clock.today_in("America/Los_Angeles", now=datetime(2029, 3, 11, 7, 59, tzinfo=UTC)) == date(2029, 3, 10)
    assert clock.today_in("America/Los_Angeles", now=datetime(2029, 3, 11, 8, 0, tzinfo=UTC)) == date(2029, 3, 11)
    assert clock.today_in("America/Los_Angeles", now=datetime(2029, 3, 12, 6, 59, tzinfo=UTC)) == date(2029, 3, 11)
    assert clock.today_in("America/Los_Angeles", now=datetime(2029, 3, 12, 7, 0, tzinfo=UTC)) == date(2029, 3, 12)


def test_local_today_of_an_account_uses_its_own_zone(account):
    account.time_zone = "Asia/Tokyo"
    assert clock.local_today(account, now=datetime(2029, 3, 10, 15, 0, tzinfo=UTC)) == date(2029, 3, 11)
    assert clock.local_today(account, now=datetime(2029, 3, 10, 14, 59, tzinfo=UTC)) == date(2029, 3, 10)


def test_frozen_now_stands_still_for_the_clock_and_the_orm_stamps(frozen_now, db):
    from acorn_portal.models import Organization
    from tests.conftest import FROZEN_AT

    assert frozen_now == FROZEN_AT == clock.now()
    assert clock.local_today("JP") == date(2026, 11, 19)  # 05:00 the next morning in Tokyo
    assert Organization.objects.create(name="Stamped", slug="stamped").created_at == frozen_now


@pytest.mark.time_machine(datetime(2029, 3, 12, 21, 30, tzinfo=UTC), tick=False)
def test_frozen_now_follows_the_marker(frozen_now):
    assert frozen_now == clock.now() == datetime(2029, 3, 12, 21, 30, tzinfo=UTC)
    assert clock.local_today("US") == date(2029, 3, 12) and clock.local_today("JP") == date(2029, 3, 13)
