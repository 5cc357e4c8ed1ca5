"""Chat channels: each product's payload and signing, checked on a real HTTP receiver on 127.0.0.1;
failures retried with backoff, never blocking email or other channels; what the status page sees."""

import base64
import hashlib
import hmac
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import override_settings

from acorn_portal.crypto import decrypt
from refunds.models import AlertChannel, AlertLog
from refunds.models.alerts import AlertKind, AlertStatus, ChannelKind
from refunds.services.alerts import recent_channel_failures
from refunds.services.alerts.dispatch import MAX_ATTEMPTS, deliver_due, retry_now
from refunds.services.alerts.reminders import plan_reminders
from tests.refunds.alerting import NOW, TODAY_LA, Receiver, case, rule

# The alerts' own stamps (created, last tried) come from the clock: it starts at the tests' NOW.
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=True)]


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def channel(org, receiver, kind, path, secret="", **fields):
    found = AlertChannel(organization=org, name=path.strip("/"), kind=kind, **fields)
    found.url = receiver.url(path)
    found.secret = secret
    found.save()
    return found


def test_every_channel_gets_its_own_format_and_signature(org, account, ops, receiver):
    slack = channel(org, receiver, ChannelKind.SLACK, "/slack")
    teams = channel(org, receiver, ChannelKind.TEAMS, "/teams")
    ding = channel(org, receiver, ChannelKind.DINGTALK, "/ding", secret="SECdingtalk")
    ding_plain = channel(org, receiver, ChannelKind.DINGTALK, "/ding-plain")
    feishu = channel(org, receiver, ChannelKind.FEISHU, "/feishu", secret="feishu-secret")
    rule(org, channels=[slack, teams, ding, ding_plain, feishu], by_email=False)
    cb = case(account, target_on=TODAY_LA + timedelta(days=3), assignee=ops)

    plan_reminders(now=NOW)
    result = deliver_due(now=NOW)
    assert result.sent == 5 and mail.outbox == []

    (slack_req,) = receiver.to("/slack")
    assert slack_req["headers"]["Content-Type"] == "application/json"
    body = slack_req["json"]
    assert cb.amazon_id in body["text"]
    assert [block["type"] for block in body["blocks"]] == ["header", "section", "context"]
    assert body["blocks"][0]["text"]["type"] == "plain_text" and cb.amazon_id in body["blocks"][0]["text"]["text"]
    assert body["blocks"][1]["text"]["type"] == "mrkdwn" and "250.00 USD" in body["blocks"][1]["text"]["text"]
    assert f"/admin/refunds/chargeback/{cb.pk}/change/|Open in ACORN>" in body["blocks"][2]["elements"][0]["text"]

    (teams_req,) = receiver.to("/teams")
    body = teams_req["json"]
    assert body["type"] == "message"
    (attachment,) = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert card["body"][0]["weight"] == "Bolder" and cb.amazon_id in card["body"][0]["text"]
    assert card["actions"][0]["type"] == "Action.OpenUrl"

    (ding_req,) = receiver.to("/ding")
    body = ding_req["json"]
    assert body["msgtype"] == "markdown" and cb.amazon_id in body["markdown"]["title"]
    assert "250.00 USD" in body["markdown"]["text"]
    timestamp = ding_req["query"]["timestamp"]
    assert timestamp == str(int(NOW.timestamp() * 1000))
    expected = hmac.new(b"SECdingtalk", f"{timestamp}\nSECdingtalk".encode(), hashlib.sha256).digest()
    assert ding_req["query"]["sign"] == base64.b64encode(expected).decode()
    (plain_req,) = receiver.to("/ding-plain")
    assert plain_req["query"] == {} and plain_req["json"]["msgtype"] == "markdown"

    (feishu_req,) = receiver.to("/feishu")
    body = feishu_req["json"]
    assert body["msg_type"] == "interactive" and cb.amazon_id in body["card"]["header"]["title"]["content"]
    assert body["card"]["elements"][0]["text"]["tag"] == "lark_md"
    assert body["timestamp"] == str(int(NOW.timestamp()))
    key = f"{body['timestamp']}\nfeishu-secret".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()

    plan_reminders(now=NOW)
    deliver_due(now=NOW + timedelta(hours=1))
    assert len(receiver.requests) == 5, "posted once per case, lead time and channel"


def test_failing_channel_is_retried_with_backoff_and_never_blocks_email(org, account, ops, receiver):
    receiver.answers["/slack"] = (500, {"error": "boom"})
    slack = channel(org, receiver, ChannelKind.SLACK, "/slack")
    teams = channel(org, receiver, ChannelKind.TEAMS, "/teams")
    rule(org, channels=[slack, teams])
    first = case(account, target_on=TODAY_LA + timedelta(days=3), assignee=ops)
    second = case(account, target_on=TODAY_LA + timedelta(days=3), assignee=ops)

    plan_reminders(now=NOW)
    result = deliver_due(now=NOW)
    assert len(mail.outbox) == 2 and len(receiver.to("/teams")) == 2
    assert len(receiver.to("/slack")) == 1, "a channel that failed is not tried again in the same pass"
    assert (result.sent, result.retrying) == (4, 1)
    failed = AlertLog.objects.get(channel=slack, chargeback=first)
    assert failed.status == AlertStatus.PENDING and failed.attempts == 1
    assert failed.next_attempt_at == NOW + timedelta(minutes=1) and "HTTP 500" in failed.last_error
    untouched = AlertLog.objects.get(channel=slack, chargeback=second)
    assert untouched.attempts == 0 and untouched.next_attempt_at == NOW

    deliver_due(now=NOW + timedelta(seconds=30))  # only the untouched row is due
    failed.refresh_from_db()
    assert failed.attempts == 1 and len(receiver.to("/slack")) == 2

    deliver_due(now=NOW + timedelta(minutes=1))
    failed.refresh_from_db()
    assert failed.attempts == 2 and failed.next_attempt_at == NOW + timedelta(minutes=5)

    receiver.answers["/slack"] = (200, {"ok": True})
    deliver_due(now=NOW + timedelta(minutes=6))
    assert set(AlertLog.objects.values_list("status", flat=True)) == {AlertStatus.SENT}
    assert len(mail.outbox) == 2 and len(receiver.to("/teams")) == 2, "nothing else was sent twice"


def test_a_channel_gives_up_after_the_last_attempt_and_the_status_page_sees_it(org, other_org, account, ops, receiver):
    receiver.answers["/dead"] = (404, {"error": "no such hook"})
    dead = channel(org, receiver, ChannelKind.SLACK, "/dead")
    rule(org, channels=[dead], by_email=False)
    case(account, target_on=TODAY_LA + timedelta(days=3), assignee=ops)
    plan_reminders(now=NOW)

    moment = NOW
    for _attempt in range(MAX_ATTEMPTS + 2):
        deliver_due(now=moment)
        moment += timedelta(hours=3)
    log = AlertLog.objects.get(channel=dead)
    assert log.status == AlertStatus.FAILED and log.attempts == MAX_ATTEMPTS
    assert len(receiver.to("/dead")) == MAX_ATTEMPTS

    (failure,) = recent_channel_failures([org.pk], since=NOW)
    assert failure["channel"] == "dead" and failure["channel_kind"] == "slack"
    assert failure["status"] == "failed" and failure["attempts"] == MAX_ATTEMPTS and "HTTP 404" in failure["last_error"]
    assert failure["kind"] == AlertKind.REMINDER and failure["next_attempt_at"] is None
    assert recent_channel_failures([other_org.pk], since=NOW) == []
    assert len(recent_channel_failures(None, since=NOW)) == 1
    assert recent_channel_failures([org.pk], since=moment) == []

    # A person fixed the hook and asks for a retry.
    receiver.answers["/dead"] = (200, {"ok": True})
    assert retry_now(AlertLog.objects.filter(organization=org), now=moment) == 1
    deliver_due(now=moment + timedelta(days=1))
    log.refresh_from_db()
    assert log.status == AlertStatus.SENT


def test_dingtalk_and_feishu_errors_inside_a_200_answer_are_failures(org, account, ops, receiver):
    receiver.answers["/ding"] = (200, {"errcode": 310000, "errmsg": "sign not match"})
    receiver.answers["/feishu"] = (200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"})
    ding = channel(org, receiver, ChannelKind.DINGTALK, "/ding", secret="wrong")
    feishu = channel(org, receiver, ChannelKind.FEISHU, "/feishu", secret="wrong")
    rule(org, channels=[ding, feishu])
    case(account, target_on=TODAY_LA + timedelta(days=3), assignee=ops)
    plan_reminders(now=NOW)
    deliver_due(now=NOW)
    errors = dict(AlertLog.objects.filter(channel__isnull=False).values_list("channel__kind", "last_error"))
    assert "310000 sign not match" in errors["dingtalk"] and "19021" in errors["feishu"]
    assert len(mail.outbox) == 1


def test_a_channel_pointing_inside_our_network_is_refused_and_email_still_goes(org, account, ops, receiver):
    inside = channel(org, receiver, ChannelKind.SLACK, "/slack")
    rule(org, channels=[inside])
    case(account, target_on=TODAY_LA + timedelta(days=3), assignee=ops)
    plan_reminders(now=NOW)
    with override_settings(OUTBOUND_ALLOWED_NETWORKS=[]):
        deliver_due(now=NOW)
    assert receiver.requests == [] and len(mail.outbox) == 1
    assert "OutboundRefused" in AlertLog.objects.get(channel=inside).last_error


def test_channel_url_and_secret_are_encrypted_at_rest(org, receiver):
    stored = channel(org, receiver, ChannelKind.DINGTALK, "/ding", secret="SECplain")
    with connection.cursor() as cursor:
        cursor.execute("SELECT url, secret FROM refunds_alertchannel WHERE id = %s", [stored.pk])
        url, secret = cursor.fetchone()
    assert "127.0.0.1" not in url and "SECplain" not in secret
    assert decrypt(url) == receiver.url("/ding") and decrypt(secret) == "SECplain"
    assert AlertChannel.objects.get(pk=stored.pk).secret == "SECplain"


def test_a_mail_server_that_is_down_delays_only_the_emails(org, account, ops, receiver):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    slack = channel(org, receiver, ChannelKind.SLACK, "/slack")
    rule(org, channels=[slack])
    case(account, target_on=TODAY_LA + timedelta(days=3), assignee=ops)
    plan_reminders(now=NOW)
    smtp = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": closed_port,
        "EMAIL_TIMEOUT": 2,
    }
    with override_settings(**smtp):
        result = deliver_due(now=NOW)
    assert (result.sent, result.retrying) == (1, 1)
    assert len(receiver.to("/slack")) == 1
    email = AlertLog.objects.get(channel__isnull=True, kind=AlertKind.REMINDER)
    assert email.status == AlertStatus.PENDING and "ConnectionRefusedError" in email.last_error

    deliver_due(now=NOW + timedelta(minutes=1))  # the mail server is back (locmem)
    email.refresh_from_db()
    assert email.status == AlertStatus.SENT and len(mail.outbox) == 1
    assert len(receiver.to("/slack")) == 1
