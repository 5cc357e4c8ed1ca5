"""The demo reminds people: after seed_demo and routing, the scheduler claims and prints reminders."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django_q.models import Schedule

from datasources.schedules import SCHEDULES as DATASOURCE_SCHEDULES
from refunds.models import AlertLog, Chargeback, WatchRule
from refunds.models.alerts import AlertKind
from refunds.schedules import SCHEDULES
from refunds.services.alerts.demo import ensure_demo_alerts
from refunds.services.alerts.dispatch import deliver_due
from refunds.services.alerts.reminders import plan_escalations, plan_reminders
from refunds.tasks import auto_assign_cases, deliver_alerts, send_deadline_alerts

pytestmark = pytest.mark.django_db


def test_alert_schedules_are_installed_after_migrate():
    names = {spec["name"]: spec["func"] for spec in [*SCHEDULES, *DATASOURCE_SCHEDULES]}
    installed = dict(Schedule.objects.filter(name__in=names).values_list("name", "func"))
    for func in (
        "refunds.tasks.send_deadline_alerts",
        "refunds.tasks.deliver_alerts",
        "datasources.tasks.check_stale_accounts",
    ):
        assert func in installed.values()


@pytest.mark.time_machine(datetime(2026, 11, 20, 18, 0, tzinfo=UTC), tick=False)
def test_seeded_demo_has_cases_to_remind_about_and_reminds_once():
    # The demo's calendar is pinned (seed_demo --today) and the scheduler runs at that day's evening;
    # the clock stands there too, so the doors judge arrivals on the demo's day.
    now = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
    call_command("seed_demo", "--orders", "120", "--today", "2026-11-20", stdout=StringIO(), stderr=StringIO())
    rule = WatchRule.objects.get(name="Every open case")
    assert ensure_demo_alerts(rule.organization) == rule, "idempotent"
    auto_assign_cases()
    soon = Chargeback.objects.open().filter(target_on__lte=now.date() + timedelta(days=7), due_on__gte=now.date())
    assert soon.exists(), "the demo has cases near (or past) their target and still disputable"

    # The demo's sync ran the alert pass as soon as its data arrived; this pass claims what is left.
    plan_reminders(now=now)
    plan_escalations(now=now)
    deliver_due(now=now)
    reminders = AlertLog.objects.filter(kind=AlertKind.REMINDER)
    assert reminders.exists() and len(mail.outbox) >= reminders.count()
    before = len(mail.outbox)
    assert plan_reminders(now=now + timedelta(minutes=15)) == {"reminders": 0, "events": 0}
    deliver_due(now=now + timedelta(minutes=15))
    assert len(mail.outbox) == before


def test_the_scheduled_tasks_run_and_summarise():
    assert send_deadline_alerts().startswith("claimed 0 reminders")
    assert deliver_alerts() == "sent 0, to retry 0, gave up 0"
