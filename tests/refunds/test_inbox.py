"""The portal inbox: mentions, assignments, approval requests and reminders, per person and organization."""

from datetime import timedelta

import pytest
from django.urls import reverse

from refunds.models import Notification, NotificationKind
from refunds.services.assignment import assign
from refunds.services.comments import add_comment
from tests.refunds.cases import make_chargeback, walk

pytestmark = pytest.mark.django_db


def kinds(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_a_mention_reaches_the_person_in_the_header_and_the_inbox(client, ops, manager, account):
    case = make_chargeback(account, amazon_id="SC-MENTION")
    add_comment(chargeback=case, actor=ops, body="@maria can you look at the POD?")
    assert kinds(manager) == [NotificationKind.MENTION] and kinds(ops) == []
    client.force_login(manager)
    page = client.get(reverse("admin:refunds_chargeback_changelist")).content.decode()
    assert 'id="inbox-unread" class="inbox-count">1<' in page
    inbox = client.get(reverse("inbox:list")).content.decode()
    assert "olivia mentioned you on SC-MENTION" in inbox


def test_assignments_and_approval_requests_are_notified(ops, manager, finance, account):
    case = make_chargeback(account)
    assign(chargeback=case, actor=manager, assignee=ops)
    assert kinds(ops) == [NotificationKind.ASSIGNMENT]
    walk(case, "pending_approval", ops=ops, manager=manager)
    assert NotificationKind.APPROVAL in kinds(manager) and NotificationKind.APPROVAL not in kinds(ops)


def test_deadline_reminders_land_in_the_inbox_once(org, ops, account):
    from refunds.services.alerts.reminders import plan_reminders
    from tests.refunds.alerting import NOW, TODAY_LA, case, rule

    rule(org)
    reminded = case(account, target_on=TODAY_LA + timedelta(days=3), assignee=ops)
    plan_reminders(now=NOW)
    plan_reminders(now=NOW)
    assert kinds(ops) == [NotificationKind.REMINDER]
    assert reminded.amazon_id in Notification.objects.get(recipient=ops).text


def test_mark_read_and_mark_all_read(client, ops, manager, account):
    case = make_chargeback(account)
    for n in range(3):
        add_comment(chargeback=case, actor=ops, body=f"@maria note {n}")
    first = Notification.objects.filter(recipient=manager).first()
    client.force_login(manager)
    client.post(reverse("inbox:read"), {"id": [first.pk]})
    assert Notification.objects.filter(recipient=manager, read_at__isnull=True).count() == 2
    client.post(reverse("inbox:read"), {"all": "1"})
    assert not Notification.objects.filter(recipient=manager, read_at__isnull=True).exists()


def test_another_organizations_inbox_stays_closed(client, ops, manager, outsider, account):
    add_comment(chargeback=make_chargeback(account), actor=ops, body="@maria secret")
    mine = Notification.objects.get(recipient=manager)
    client.force_login(outsider)
    assert "secret" not in client.get(reverse("inbox:list")).content.decode()
    client.post(reverse("inbox:read"), {"id": [mine.pk]})
    mine.refresh_from_db()
    assert mine.read_at is None


def test_outsiders_are_never_notified(ops, outsider, account):
    add_comment(chargeback=make_chargeback(account), actor=ops, body="@oscar look")
    assert kinds(outsider) == []
