"""Time-sensitive verdicts move by themselves, on the marketplace's own calendar.

A deduction waiting out Amazon's blackout turns to `dispute` when its first disputable day begins
where the marketplace is, and an unfiled one is expired (verdict `accept`, window closed) once its
last day has ended there: one minute before local midnight nothing moves, one minute after it does.
The scheduled task is run the way django-q2 runs it, from the installed schedule.
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django_q.models import Schedule, Task
from django_q.scheduler import scheduler

from acorn_portal.schedules import install_schedules
from refunds.choices import ChargebackState, Recommendation
from refunds.schedules import SCHEDULES
from refunds.services.matching import evaluate_chargebacks
from refunds.tasks import refresh_time_sensitive_verdicts, sweep_deadlines
from tests.refunds.matching_data import make_chargeback, make_invoice, make_po, make_shipment

pytestmark = pytest.mark.django_db

REFRESH = "refunds.tasks.refresh_time_sensitive_verdicts"
ZONES = ["America/Los_Angeles", "Asia/Tokyo"]  # a day that starts late in UTC, and one that starts early


def waiting_deduction(account, zone):
    """A matched, disputable deduction judged a week early: `wait` until its blackout ends."""
    account.time_zone = zone
    account.save()
    make_po(account)
    make_shipment(account)
    make_invoice(account)
    cb = make_chargeback(account)
    evaluate_chargebacks([cb.id], now=datetime(2026, 3, 10, 12, tzinfo=UTC))
    cb.refresh_from_db()
    assert cb.recommendation == Recommendation.WAIT and cb.disputable_from is not None
    return cb


def local_midnight(day, zone) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def run_at(instant: datetime, task):
    with time_machine.travel(instant, tick=False):
        return task()


@pytest.mark.parametrize("zone", ZONES)
def test_a_waiting_deduction_turns_to_dispute_when_its_first_disputable_day_begins_there(account, zone):
    cb = waiting_deduction(account, zone)
    midnight = local_midnight(cb.disputable_from, zone)

    assert run_at(midnight - timedelta(minutes=1), sweep_deadlines) == "expired 0, parked 1, released 0"
    assert "evaluated 0 deductions" in run_at(midnight - timedelta(minutes=1), refresh_time_sensitive_verdicts)
    cb.refresh_from_db()
    assert (cb.recommendation, cb.state) == (Recommendation.WAIT, ChargebackState.WAITING)

    assert "evaluated 1 deductions" in run_at(midnight + timedelta(minutes=1), refresh_time_sensitive_verdicts)
    assert run_at(midnight + timedelta(minutes=1), sweep_deadlines) == "expired 0, parked 0, released 1"
    cb.refresh_from_db()
    assert (cb.recommendation, cb.state) == (Recommendation.DISPUTE, ChargebackState.NEW)
    reasons = set(cb.history.values_list("history_change_reason", flat=True))
    assert "recommendation wait → dispute: the calendar moved on" in reasons
    assert "evaluated 0 deductions" in run_at(midnight + timedelta(minutes=2), refresh_time_sensitive_verdicts)


@pytest.mark.parametrize("zone", ZONES)
def test_an_unfiled_deduction_expires_after_its_last_day_ends_there(account, zone):
    cb = waiting_deduction(account, zone)
    run_at(local_midnight(cb.disputable_from, zone) + timedelta(hours=1), refresh_time_sensitive_verdicts)
    end = local_midnight(cb.due_on + timedelta(days=1), zone)  # the last day ends at this midnight

    assert "evaluated 0 deductions" in run_at(end - timedelta(minutes=1), refresh_time_sensitive_verdicts)
    assert run_at(end - timedelta(minutes=1), sweep_deadlines).startswith("expired 0")
    cb.refresh_from_db()
    assert (cb.recommendation, cb.state) == (Recommendation.DISPUTE, ChargebackState.NEW)

    assert "evaluated 1 deductions" in run_at(end + timedelta(minutes=1), refresh_time_sensitive_verdicts)
    assert run_at(end + timedelta(minutes=1), sweep_deadlines).startswith("expired 1")
    cb.refresh_from_db()
    assert (cb.recommendation, cb.state) == (Recommendation.ACCEPT, ChargebackState.EXPIRED)


def test_one_instant_is_a_different_day_in_los_angeles_and_tokyo(account, other_account):
    """At Tokyo's midnight Los Angeles is still on the day before: only Tokyo's deduction moves."""
    tokyo = waiting_deduction(other_account, "Asia/Tokyo")
    la = waiting_deduction(account, "America/Los_Angeles")
    assert tokyo.disputable_from == la.disputable_from
    tokyo_midnight = local_midnight(tokyo.disputable_from, "Asia/Tokyo")

    assert "evaluated 1 deductions" in run_at(tokyo_midnight + timedelta(minutes=1), refresh_time_sensitive_verdicts)
    tokyo.refresh_from_db()
    la.refresh_from_db()
    assert (tokyo.recommendation, la.recommendation) == (Recommendation.DISPUTE, Recommendation.WAIT)


def test_the_refresh_is_scheduled_and_the_scheduler_runs_it(account):
    (spec,) = [spec for spec in SCHEDULES if spec["func"] == REFRESH]
    assert spec["schedule_type"] == Schedule.MINUTES and spec["minutes"] <= 60, "every marketplace's midnight is seen"
    install_schedules()
    install_schedules()
    schedule = Schedule.objects.get(func=REFRESH)
    cb = waiting_deduction(account, "America/Los_Angeles")
    instant = local_midnight(cb.disputable_from, "America/Los_Angeles") + timedelta(minutes=5)

    Schedule.objects.exclude(pk=schedule.pk).update(next_run=instant + timedelta(days=1))  # only ours is due
    Schedule.objects.filter(pk=schedule.pk).update(next_run=instant - timedelta(minutes=1))
    with time_machine.travel(instant, tick=False):
        scheduler()  # django-q2's scheduler; the test settings run the task it creates inline

    schedule.refresh_from_db()
    assert schedule.next_run > instant
    assert "evaluated 1 deductions" in Task.objects.get(id=schedule.task).result
    cb.refresh_from_db()
    assert cb.recommendation == Recommendation.DISPUTE
