"""The one clock: where business code learns what instant and what day it is.

Services, tasks, managers and model methods take `now=`/`today=` as arguments or read them here;
nothing else calls `timezone.now()`, `date.today()` or `timezone.localdate()` (a test in
tests/acorn_portal/test_one_clock.py keeps it so). One door means a test freezes one thing
(time-machine moves `now()` with it) and a replay passes its own instant.

"Today" is always a calendar date in some zone: a marketplace's for deadlines (Vendor Central shows
and enforces dates in the marketplace's local time), the server's (`TIME_ZONE`) only for labels
such as "prepared on" or a file name.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone


def now() -> datetime:
    """The current instant, aware, in UTC."""
    return timezone.now()


_now = now  # for the helpers below, whose `now=` argument shadows the function


def today_in(zone: str | ZoneInfo, *, now: datetime | None = None) -> date:
    """The calendar date it is in `zone` at `now` (default: this instant)."""
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    return (now or _now()).astimezone(tz).date()


def local_today(where, *, now: datetime | None = None) -> date:
    """Today in a vendor account's zone, or a marketplace's (a `Marketplace` or its code such as "JP")."""
    from acorn_portal.marketplaces import get_marketplace

    if isinstance(where, str):
        where = get_marketplace(where)
    zone = getattr(where, "tz", None) or where.time_zone
    return today_in(zone, now=now)


def server_today(*, now: datetime | None = None) -> date:
    """Today in the server's own zone (`TIME_ZONE`): for labels only, never for a deadline."""
    return timezone.localdate(now or _now())
