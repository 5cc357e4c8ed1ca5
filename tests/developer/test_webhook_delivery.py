"""Webhook delivery end to end, against a real receiver on 127.0.0.1, with a clock passed in."""

import json
import random
from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings

from acorn_portal.models import AuditAction, AuditEvent, OutboxEvent
from acorn_portal.roles import Role
from developer.choices import DeliveryStatus
from developer.models import WebhookCursor, WebhookDelivery, WebhookEndpoint
from developer.services.delivery import backoff_delay, claim_due, deliver_due
from developer.services.endpoints import enable_endpoint, redeliver, rotate_secret
from developer.services.fanout import CURSOR_NAME, fan_out
from developer.signing import SignatureError, verify
from developer.tasks import dispatch_webhooks
from tests.conftest import make_member
from tests.developer.receiver import Receiver
from tests.developer.webhooks import T0, event, make_endpoint, run, tick_until

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.stop()


def test_delivery_is_signed_and_carries_the_event(org, receiver):
    endpoint, secret = make_endpoint(org, receiver.url)
    happened = event(org, amazon_id="D42", amount="12.50")
    summary = run(T0)
    assert (summary.sent, summary.succeeded) == (1, 1)
    [request] = receiver.requests
    headers = request["headers"]
    delivery = WebhookDelivery.objects.get()
    assert headers["ACORN-Event"] == "chargeback.created"
    assert headers["ACORN-Delivery"] == str(delivery.pk)
    assert verify(secret, request["body"], headers["ACORN-Signature"], tolerance=0) == int(T0.timestamp())
    body = json.loads(request["body"])
    assert body["id"] == happened.pk and body["type"] == "chargeback.created" and body["organization"] == "acme"
    assert body["data"] == {"amazon_id": "D42", "amount": "12.50"}
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.response_status == 200
    assert delivery.response_body == "answer 200" and delivery.request_id == headers["X-Request-ID"]
    assert delivery.attempts == 1 and delivery.next_attempt_at is None
    endpoint.refresh_from_db()
    assert endpoint.last_success_at == T0 and endpoint.consecutive_failures == 0


def test_fan_out_is_idempotent_under_duplicate_runs(org, other_org, receiver):
    subscribed, _ = make_endpoint(org, receiver.url, events=["chargeback.created"])
    make_endpoint(org, receiver.url, events=["sync.failed"])  # not subscribed to what happens
    off, _ = make_endpoint(org, receiver.url)
    off.is_enabled = False
    off.save()
    theirs, _ = make_endpoint(other_org, receiver.url)
    events = [event(org) for _ in range(3)] + [event(org, "chargeback.approved")]  # not a webhook event
    assert fan_out(now=T0) == 3
    assert fan_out(now=T0) == 0
    # A cursor moved back (a run that died before saving) re-reads the events and creates nothing new.
    WebhookCursor.objects.filter(name=CURSOR_NAME).update(last_event_id=events[0].pk - 1, gaps=[])
    assert fan_out(now=T0) == 0
    assert set(WebhookDelivery.objects.values_list("endpoint_id", "event_id")) == {
        (subscribed.pk, e.pk) for e in events[:3]
    }
    assert not WebhookDelivery.objects.filter(endpoint=theirs).exists()
    run(T0)
    assert len(receiver.requests) == 3


def test_endpoint_gets_only_events_after_it_was_made(org, receiver):
    event(org)
    fan_out(now=T0)
    make_endpoint(org, receiver.url)
    later = event(org)
    fan_out(now=T0)
    assert list(WebhookDelivery.objects.values_list("event_id", flat=True)) == [later.pk]


def test_event_committed_late_is_not_skipped(org, receiver):
    """Outbox ids are taken at insert, visible at commit: an id the cursor passed is looked up again."""
    make_endpoint(org, receiver.url)
    first, late, third = event(org), event(org), event(org)
    saved = {field: getattr(late, field) for field in ("pk", "name", "object_type", "object_id", "payload")}
    late_id = saved.pop("pk")
    late.delete()  # as if its transaction had not committed yet
    fan_out(now=T0)
    cursor = WebhookCursor.objects.get(name=CURSOR_NAME)
    assert cursor.last_event_id == third.pk and [late_id, late_id] in [gap[:2] for gap in cursor.gaps]
    OutboxEvent.objects.create(organization=org, id=late_id, **saved)  # the commit arrives
    assert fan_out(now=T0 + timedelta(minutes=1)) == 1
    gaps = WebhookCursor.objects.get(name=CURSOR_NAME).gaps
    assert not any(low <= late_id <= high for low, high, _seen in gaps)
    assert WebhookDelivery.objects.filter(event_id__in=[first.pk, late_id, third.pk]).count() == 3


def test_gap_of_a_rolled_back_transaction_is_forgotten_after_a_while(org, receiver):
    make_endpoint(org, receiver.url)
    event(org)
    gone = event(org)
    event(org)
    gone_id = gone.pk
    gone.delete()
    fan_out(now=T0)
    assert [gone_id, gone_id] in [gap[:2] for gap in WebhookCursor.objects.get(name=CURSOR_NAME).gaps]
    fan_out(now=T0 + timedelta(hours=7))
    assert WebhookCursor.objects.get(name=CURSOR_NAME).gaps == []


def test_backoff_grows_exponentially_with_jitter():
    rng = random.Random(7)
    delays = [backoff_delay(n, rng).total_seconds() for n in range(1, 11)]
    for n, delay in enumerate(delays, start=1):
        nominal = min(60 * 2 ** (n - 1), 4 * 3600)
        assert 0.8 * nominal <= delay <= 1.2 * nominal, (n, delay)
    assert delays[9] <= 1.2 * 4 * 3600  # capped
    assert len({round(backoff_delay(3, random.Random(seed)).total_seconds()) for seed in range(5)}) > 1  # jittered


def test_failure_schedules_retry_with_backoff(org, receiver):
    receiver.status = 503
    make_endpoint(org, receiver.url)
    event(org)
    summary = run(T0)
    assert (summary.sent, summary.failed) == (1, 1)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.error == "HTTP 503"
    assert timedelta(seconds=48) <= delivery.next_attempt_at - T0 <= timedelta(seconds=72)
    assert run(T0 + timedelta(seconds=30)).sent == 0  # not due yet
    receiver.status = 200
    assert run(delivery.next_attempt_at).succeeded == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 2
    assert [entry["status"] for entry in delivery.attempt_log] == [503, 200]


def test_gives_up_after_24_hours(org, receiver):
    receiver.status = 500
    make_endpoint(org, receiver.url)
    event(org)
    now = T0
    run(now)
    delivery = WebhookDelivery.objects.get()
    while delivery.next_attempt_at is not None:
        now = delivery.next_attempt_at
        run(now)
        delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.GIVEN_UP
    assert delivery.give_up_at == T0 + timedelta(hours=24)
    assert delivery.last_attempt_at == delivery.give_up_at  # one last try at the deadline, none after
    assert 10 <= delivery.attempts <= 16
    assert len(receiver.requests) == delivery.attempts
    assert run(now + timedelta(days=2)).sent == 0


def test_receiver_down_for_an_hour_loses_nothing(org, receiver):
    endpoint, _ = make_endpoint(org, receiver.url)
    receiver.stop()
    sent = [event(org, amazon_id=f"D{i}") for i in range(5)]
    now = tick_until(T0, T0 + timedelta(minutes=60))
    assert receiver.requests == []
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.FAILED}
    receiver.start()  # back, on the same port
    later = event(org, amazon_id="D-after")
    tick_until(now, now + timedelta(hours=2, minutes=30))
    ids = receiver.delivery_ids()
    assert len(ids) == len(set(ids)) == 6  # each once
    bodies = {json.loads(r["body"])["id"] for r in receiver.requests}
    assert bodies == {e.pk for e in [*sent, later]}
    endpoint.refresh_from_db()
    assert endpoint.is_enabled and endpoint.consecutive_failures == 0


@override_settings(WEBHOOK_DISABLE_AFTER_FAILURES=3, WEBHOOK_DISABLE_AFTER_HOURS=1)
def test_endpoint_failing_for_long_is_disabled_and_admins_are_told(org, org_admin, receiver):
    make_member(org, "ollie", Role.OPERATIONS)  # not an admin: not emailed
    receiver.status = 410
    endpoint, _ = make_endpoint(org, receiver.url, description="ERP hook")
    event(org)
    now = T0
    run(now)
    delivery = WebhookDelivery.objects.get()
    while WebhookEndpoint.objects.get(pk=endpoint.pk).is_enabled:
        assert delivery.next_attempt_at is not None, "gave up before disabling"
        now = delivery.next_attempt_at
        run(now)
        delivery.refresh_from_db()
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures >= 3 and now - endpoint.failing_since >= timedelta(hours=1)
    assert "Disabled automatically" in endpoint.disabled_reason
    [message] = mail.outbox
    assert message.to == [org_admin.email] and receiver.url in message.subject
    assert "HTTP 410" in message.body
    audit = AuditEvent.objects.get(action=AuditAction.WEBHOOK_DISABLED)
    assert audit.organization_id == org.pk and audit.object_id == str(endpoint.pk)
    # Disabled: nothing is sent, the open delivery is kept; enabling sends it.
    sent = len(receiver.requests)
    event(org)
    assert run(now + timedelta(days=1)).sent == 0 and len(receiver.requests) == sent
    receiver.status = 200
    enable_endpoint(endpoint=endpoint)
    redeliver(delivery=delivery, now=now + timedelta(days=1))
    run(now + timedelta(days=1))
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SUCCEEDED


@override_settings(OUTBOUND_ALLOWED_NETWORKS=[])
def test_internal_address_is_refused_and_recorded(org, receiver):
    # A name, so the form accepts it; it resolves to loopback, which is refused when the socket opens.
    make_endpoint(org, f"http://localhost:{receiver.port}/hooks")
    event(org)
    summary = run(T0)
    assert (summary.sent, summary.failed) == (1, 1)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.response_status is None
    assert delivery.error.startswith("Refused: Refused to connect to localhost (127.0.0.1)")
    assert receiver.requests == []


def test_redirect_is_not_followed(org):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self):
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        make_endpoint(org, f"http://127.0.0.1:{server.server_address[1]}/")
        event(org)
        run(T0)
    finally:
        server.shutdown()
        server.server_close()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and "redirects are not followed" in delivery.error


def test_redelivery_sends_again_with_the_same_delivery_id(org, receiver):
    make_endpoint(org, receiver.url)
    event(org)
    run(T0)
    delivery = WebhookDelivery.objects.get()
    redeliver(delivery=delivery, now=T0 + timedelta(hours=30))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.give_up_at == T0 + timedelta(hours=54)
    run(T0 + timedelta(hours=30))
    assert receiver.delivery_ids() == [str(delivery.pk), str(delivery.pk)]
    assert WebhookDelivery.objects.get().attempts == 2


def test_claims_do_not_overlap(org, receiver):
    make_endpoint(org, receiver.url)
    for _ in range(5):
        event(org)
    fan_out(now=T0)
    first = claim_due(now=T0, limit=3, token="a")
    second = claim_due(now=T0, limit=10, token="b")
    assert len(first) == 3 and len(second) == 2
    assert not {d.pk for d in first} & {d.pk for d in second}
    assert claim_due(now=T0, limit=10, token="c") == []
    # A claim is a lease: a worker that died frees its rows when it runs out.
    assert len(claim_due(now=T0 + timedelta(minutes=3), limit=10, token="d")) == 5


def test_the_scheduled_task_fans_out_and_sends(org, receiver):
    from django_q.models import Schedule

    assert Schedule.objects.filter(func="developer.tasks.dispatch_webhooks", minutes=1).exists()
    make_endpoint(org, receiver.url)
    event(org)
    assert dispatch_webhooks() == "1 deliveries created; 1 sent: 1 succeeded, 0 failed, 0 given up"
    assert dispatch_webhooks() == "0 deliveries created; 0 sent: 0 succeeded, 0 failed, 0 given up"
    assert len(receiver.requests) == 1


def test_deliver_due_without_work_does_nothing(db):
    assert deliver_due(now=T0).sent == 0


def test_fan_out_reads_the_outbox_in_bounded_batches(org, receiver):
    make_endpoint(org, receiver.url)
    events = [event(org) for _ in range(5)]
    assert fan_out(now=T0, batch_size=2) == 2
    assert WebhookCursor.objects.get(name=CURSOR_NAME).last_event_id == events[1].pk
    assert fan_out(now=T0, batch_size=2) == 2
    assert fan_out(now=T0, batch_size=2) == 1
    assert fan_out(now=T0, batch_size=2) == 0


def test_a_rotated_secret_signs_alongside_the_new_one_until_the_overlap_ends(org, receiver, settings):
    """Receivers verifying with either secret accept every delivery during the rotation; then only the new one."""
    settings.WEBHOOK_SECRET_OVERLAP_HOURS = 24
    endpoint, old = make_endpoint(org, receiver.url)
    new = rotate_secret(endpoint=endpoint, now=T0)
    event(org)
    run(T0 + timedelta(minutes=1))
    during = receiver.requests[-1]
    header, body = during["headers"]["ACORN-Signature"], during["body"]
    moment = int((T0 + timedelta(minutes=1)).timestamp())
    assert verify(old, body, header, now=moment) and verify(new, body, header, now=moment)
    assert header.count("v1=") == 2

    event(org, amazon_id="D2")
    after = T0 + timedelta(hours=24, minutes=1)
    run(after)
    header, body = receiver.requests[-1]["headers"]["ACORN-Signature"], receiver.requests[-1]["body"]
    assert header.count("v1=") == 1
    assert verify(new, body, header, now=int(after.timestamp()))
    with pytest.raises(SignatureError):
        verify(old, body, header, now=int(after.timestamp()))
