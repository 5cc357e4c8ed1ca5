"""What ACORN writes to people who are not looking at a page: each reads it in their own language.

In one send, a person who chose Chinese reads Chinese and a person who chose English reads English;
a chat channel reads the organization's default. E-mails go through Django's locmem outbox, chat
alerts to a real receiver on 127.0.0.1.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone, translation

from acorn_portal.models_people import Person
from acorn_portal.roles import Role
from acorn_portal.services import people, signup
from datasources.services.alerts import report_stale_accounts
from developer.services.endpoints import notify_admins_of_disable
from refunds.models import AlertChannel, AlertSettings, Notification
from refunds.models.alerts import ChannelKind
from refunds.services.alerts.dispatch import deliver_due
from refunds.services.alerts.reminders import plan_digests, plan_escalations
from refunds.services.comments import add_comment
from refunds.services.notifications import notify_assignment
from tests.conftest import make_member
from tests.datasources.test_data_alerts import source
from tests.developer.webhooks import make_endpoint
from tests.refunds.alerting import NOW, TODAY_LA, Receiver, case

pytestmark = pytest.mark.django_db


def choose(user, language):
    Person.objects.update_or_create(user=user, defaults={"language": language})


def mail_to(address):
    (message,) = [message for message in mail.outbox if address in message.to]
    return message


def chinese(text: str) -> bool:
    return any("\u4e00" <= character <= "\u9fff" for character in text)


def test_a_data_alert_reaches_each_person_in_their_language_and_the_chat_in_the_organizations(
    org, account, manager, org_admin
):
    org.default_language = "zh-hans"
    org.save()
    choose(org_admin, "en")  # maria chose nothing: her organization's default, Chinese
    with Receiver() as receiver:
        room = AlertChannel(organization=org, name="data", kind=ChannelKind.SLACK, for_data_alerts=True)
        room.url = receiver.url("/data")
        room.save()
        source(account, created_ago=timedelta(days=3), last_success_ago=timedelta(hours=30))
        assert report_stale_accounts() == 3
        assert deliver_due().sent == 3
        (posted,) = receiver.to("/data")

    chinese_mail, english_mail = mail_to("maria@example.com"), mail_to("adam@example.com")
    assert "Acme US (US) 没有最新数据" in chinese_mail.subject
    assert "上次成功同步：" in chinese_mail.body and "在同步成功之前" in chinese_mail.body
    assert "在 ACORN 中打开\nhttp://" in chinese_mail.body
    assert "No fresh data for Acme US (US)" in english_mail.subject
    assert "Last successful sync: " in english_mail.body and not chinese(english_mail.body)
    slack = posted["json"]
    assert "没有最新数据" in slack["text"] and "|在 ACORN 中打开>" in slack["blocks"][-1]["elements"][0]["text"]


def test_the_digest_and_the_escalation_are_written_per_recipient(org, account, ops, finance, manager, org_admin):
    choose(ops, "zh-hans")
    choose(finance, "en")
    AlertSettings.objects.create(organization=org, digest_hour=9, digest_time_zone="Europe/Berlin")
    case(account, target_on=TODAY_LA + timedelta(days=2), assignee=ops, amount=Decimal("1234.5"))
    case(account, target_on=TODAY_LA + timedelta(days=1), assignee=finance)
    plan_digests(now=NOW)
    deliver_due(now=NOW)

    olivia, fred = mail_to("olivia@example.com"), mail_to("fred@example.com")
    assert "即将到期的扣款" in olivia.subject and "2026年11月" in olivia.subject
    assert "1,234.50 USD" in olivia.body and "合计" in olivia.body
    assert olivia.body.count("短缺索赔") >= 1
    assert fred.subject.startswith("[ACORN] Your deductions due soon in Acme Brands: 1 case")
    assert "Total: 250.00 USD" in fred.body and not chinese(fred.body)

    mail.outbox.clear()
    choose(manager, "zh-hans")
    choose(org_admin, "en")
    make_member(org, "mike", Role.MANAGER)  # chose nothing, organization default: English
    case(account, target_on=TODAY_LA, due_on=TODAY_LA + timedelta(days=1))
    plan_escalations(now=NOW)
    deliver_due(now=NOW)
    maria, mike = mail_to("maria@example.com"), mail_to("mike@example.com")
    assert maria.subject.startswith("[ACORN] 升级提醒：")
    assert "亚马逊截止日" in maria.body and "shortage（短缺索赔（PQV））" in maria.body
    assert mike.subject.startswith("[ACORN] Escalation:") and "shortage (Shortage claim (PQV))" in mike.body


def test_an_invitation_is_written_in_the_language_of_who_receives_it(org, org_admin):
    org.default_language = "zh-hans"
    org.save()
    with translation.override("en"):  # the admin works in English; the invitee reads the organization's default
        people.invite(actor=org_admin, organization=org, email="li@example.com", role=Role.FINANCE, now=timezone.now())
    message = mail_to("li@example.com")
    assert "邀请您加入 ACORN 上的 Acme Brands" in message.subject
    assert "在此接受邀请：http" in message.body and "该链接只能使用一次" in message.body

    english = make_member(org, "erin", Role.LEGAL)
    choose(english, "en")
    mail.outbox.clear()
    other = type(org).objects.create(name="Other Co", slug="other-co", default_language="zh-hans")
    boss = make_member(other, "boss", Role.ADMIN)
    people.invite(actor=boss, organization=other, email="erin@example.com", role=Role.FINANCE, now=timezone.now())
    assert mail_to("erin@example.com").subject == "boss@example.com invites you to Other Co on ACORN"


@override_settings(ACORN_SIGNUP_OPEN=True)
def test_the_verification_mail_is_written_in_the_language_the_person_signed_up_in(db):
    with translation.override("zh-hans"):
        signup.request_sign_up(
            email="wang@shenzhen-acorn.example",
            company_name="深圳橡果",
            contact_name="王经理",
            password="x-long-pass-123",
            now=timezone.now(),
        )
    message = mail.outbox[0]
    assert message.subject == "验证您的邮箱，开始使用 ACORN"
    assert message.body.startswith("王经理，您好：") and "深圳橡果" in message.body and "UTC" in message.body


@pytest.mark.django_db(transaction=True)
def test_a_disabled_webhook_endpoint_is_told_to_each_admin_in_their_language(org, org_admin):
    second = make_member(org, "ada", Role.ADMIN)
    choose(second, "zh-hans")
    endpoint, _secret = make_endpoint(org, "https://erp.example/hook", description="ERP")
    endpoint.disabled_reason = "Disabled automatically after 5 failed deliveries in a row."
    endpoint.save()
    assert notify_admins_of_disable(endpoint) == 2
    english, chinese_mail = mail_to("adam@example.com"), mail_to("ada@example.com")
    assert english.subject.startswith("ACORN: webhook endpoint disabled") and "none recorded" in english.body
    assert chinese_mail.subject.startswith("ACORN：Webhook 端点已停用") and "无记录" in chinese_mail.body
    assert endpoint.disabled_reason in chinese_mail.body  # the stored reason, quoted as recorded


def test_portal_notifications_are_written_in_each_recipients_language(org, account, ops, finance, manager):
    choose(finance, "zh-hans")
    choose(manager, "en")
    cb = case(account, target_on=TODAY_LA + timedelta(days=9))
    add_comment(chargeback=cb, actor=ops, body="@fred @maria please look")
    by_person = {n.recipient.username: n.text for n in Notification.objects.select_related("recipient")}
    assert by_person["fred"].startswith("olivia 在 ") and "中提到了您" in by_person["fred"]
    assert by_person["maria"].startswith("olivia mentioned you on ")
    notify_assignment(chargeback=cb, assignee=finance, actor=None)
    assert Notification.objects.filter(recipient=finance, text__contains="分配规则已将").exists()
