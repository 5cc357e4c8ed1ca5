"""The exactly-once rule with real concurrent PostgreSQL connections: four scheduler runs at the same moment."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, connections

from acorn_portal.models import OutboxEvent
from refunds.models import AlertChannel, AlertLog
from refunds.models.alerts import AlertKind, AlertStatus, ChannelKind
from refunds.services.alerts.dispatch import deliver_due
from refunds.services.alerts.reminders import plan_escalations, plan_reminders
from tests.refunds.alerting import NOW, TODAY_LA, Receiver, case, rule

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has a single writer, so runs cannot race (DATABASE_URL=postgres://...)")


def test_concurrent_runs_send_each_alert_once(org, account, ops, manager):
    with Receiver() as receiver:
        slack = AlertChannel(organization=org, name="ops room", kind=ChannelKind.SLACK)
        slack.url = receiver.url("/slack")
        slack.save()
        rule(org, channels=[slack], notify_managers=True)
        cases = [case(account, target_on=TODAY_LA + timedelta(days=days), assignee=ops) for days in (0, 1, 3, 5, 7)]
        unassigned = case(account, target_on=TODAY_LA, due_on=TODAY_LA + timedelta(days=1))

        barrier = threading.Barrier(4)
        errors = []

        def scheduler_run():
            try:
                barrier.wait()
                plan_reminders(now=NOW)
                plan_escalations(now=NOW)
                deliver_due(now=NOW)
            except Exception as exc:  # noqa: BLE001 - asserted below
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=scheduler_run) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

        assert errors == []
        reminders = AlertLog.objects.filter(kind=AlertKind.REMINDER)
        # 6 cases (5 + the unassigned one) × (olivia, maria, the channel); the unassigned one has no assignee.
        assert reminders.count() == 6 * 3 - 1
        assert set(reminders.values_list("status", flat=True)) == {AlertStatus.SENT}
        keys = [tuple(m.to) + (m.subject,) for m in mail.outbox]
        assert len(keys) == len(set(keys)), "no email went twice"
        assert len(mail.outbox) == 6 * 2 - 1 + 1  # reminders by email + one escalation to maria
        assert len(receiver.to("/slack")) == 6 + 1  # six reminders and the unassigned case's escalation
        events = OutboxEvent.objects.filter(name="chargeback.deadline_approaching")
        assert events.count() == len(cases) + 1
        assert unassigned.pk in set(
            AlertLog.objects.filter(kind=AlertKind.ESCALATION).values_list("chargeback_id", flat=True)
        )
