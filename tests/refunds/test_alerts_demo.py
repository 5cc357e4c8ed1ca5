"""The demo reminds people: after seed_demo and routing, the scheduler claims and prints reminders."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

from datasources.schedules import SCHEDULES as DATASOURCE_SCHEDULES
from refunds.models import AlertLog, Chargeback, WatchRule
from refunds.models.alerts import AlertKind
from refunds.schedules import SCHEDULES
from refunds.services.alerts.demo import ensure_demo_alerts
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


def test_seeded_demo_has_cases_to_remind_about_and_reminds_once():
    call_command("seed_demo", "--direct", "--deductions", "300", stdout=StringIO(), stderr=StringIO())
    rule = WatchRule.objects.get(name="Every open case")
    assert ensure_demo_alerts(rule.organization) == rule, "idempotent"
    auto_assign_cases()
    soon = Chargeback.objects.open().filter(target_on__lte=timezone.localdate() + timedelta(days=7))
    assert soon.exists(), "the demo has cases near their target"

    summary = send_deadline_alerts()
    assert summary.startswith("claimed ") and " 0 reminders" not in summary
    reminders = AlertLog.objects.filter(kind=AlertKind.REMINDER)
    assert reminders.exists() and len(mail.outbox) >= reminders.count()
    before = len(mail.outbox)
    send_deadline_alerts()
    deliver_alerts()
    assert len(mail.outbox) == before
