"""The client's webhook and ledger parts against a live ACORN: a subscription made through the API,
a real signed delivery to a receiver on 127.0.0.1 checked with `verify_signature`, and ledger
exports read page by page, never the same line twice."""

import json
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from acorn_client import Money, NotFoundError, SignatureVerificationError
from acorn_client.models import JournalLine, LedgerExport, WebhookDelivery
from acorn_client.webhooks import verify_signature

from acorn_portal.roles import Role
from developer.models import GLAccountMapping
from developer.tasks import dispatch_webhooks
from tests.clients.conftest import issue_key
from tests.clients.servers import Reply, ScriptedServer
from tests.refunds.cases import today


@pytest.fixture
def key(org):
    """Webhooks and the ledger are the admins' (and the ledger finance's): a manager's key is refused."""
    return issue_key(org, role=Role.ADMIN)


@pytest.fixture
def receiver():
    with ScriptedServer([], default=Reply(200, {"ok": True})) as server:
        yield server


def test_a_real_delivery_verifies_and_tampering_or_age_is_refused(deductions, acorn, receiver, client_for, org):
    endpoint = acorn.webhooks.create(receiver.url + "/hooks/acorn", ["chargeback.state_changed"], description="ERP")
    assert endpoint.secret and endpoint.is_enabled and endpoint.events == ["chargeback.state_changed"]
    assert acorn.webhooks.get(endpoint.id).secret is None  # shown once

    client_for(issue_key(org, name="case bot")).chargebacks.transition(deductions[0].pk, "start_review")
    dispatch_webhooks()  # what the scheduler runs: fan out, then deliver

    (request,) = receiver.received
    header = request.headers["ACORN-Signature"]
    event = verify_signature(endpoint.secret, request.body, header)
    assert event["type"] == "chargeback.state_changed"
    assert event["object"]["id"] == str(deductions[0].pk)
    assert request.headers["ACORN-Event"] == "chargeback.state_changed"

    with pytest.raises(SignatureVerificationError, match="does not match"):
        verify_signature(endpoint.secret, request.body.replace(b"in_review", b"recovered"), header)
    with pytest.raises(SignatureVerificationError, match="does not match"):
        verify_signature("whsec_wrong", request.body, header)
    with pytest.raises(SignatureVerificationError, match="tolerance"):
        verify_signature(endpoint.secret, request.body, header, now=time.time() + 301)  # replayed 5 min later

    (delivery,) = list(acorn.webhooks.deliveries(endpoint.id))
    assert isinstance(delivery, WebhookDelivery)
    assert delivery.status == "succeeded" and delivery.response_status == 200
    assert delivery.id == int(request.headers["ACORN-Delivery"])
    assert delivery.body == event and delivery.event_type == "chargeback.state_changed"  # one envelope

    ping = acorn.webhooks.ping(endpoint.id)
    assert ping.event_type == "ping" and ping.status == "pending"
    dispatch_webhooks()
    pinged = verify_signature(
        endpoint.secret, receiver.received[1].body, receiver.received[1].headers["ACORN-Signature"]
    )
    assert pinged == ping.body and pinged["type"] == "ping"
    receiver.received.pop()

    again = acorn.webhooks.redeliver(endpoint.id, delivery.id)
    assert again.id == delivery.id
    dispatch_webhooks()
    assert len(receiver.received) == 2
    assert json.loads(receiver.received[1].body)["id"] == event["id"]  # the same event again

    new_secret = acorn.webhooks.rotate_secret(endpoint.id)
    assert new_secret and new_secret != endpoint.secret
    disabled = acorn.webhooks.update(endpoint.id, is_enabled=False)
    assert disabled.is_enabled is False
    acorn.webhooks.delete(endpoint.id)
    with pytest.raises(NotFoundError):
        acorn.webhooks.get(endpoint.id)


def test_ledger_lines_come_once_across_pages_and_an_export_can_be_fetched_again(deductions, acorn, org):
    GLAccountMapping.objects.create(
        organization=org,
        currency="",
        accounts_receivable="1200",
        deductions_receivable="1250",
        chargeback_expense="6100",
        recoveries="1255",
        write_offs="6900",
    )
    start, end = today() - timedelta(days=60), today()
    batch = acorn.ledger.export(start, end, page_size=3)
    assert isinstance(batch.export, LedgerExport) and batch.export.complete
    pages = list(batch.pages())
    # 7 deductions booked = 14 lines; the first page has the 3 asked for, `next` links bring the rest
    # (the ledger's next link does not carry page_size on: the later pages use the default size).
    assert len(pages[0]) == 3 and len(pages) >= 2
    lines = [line for page in pages for line in page]
    assert len(lines) == batch.export.line_count == 14
    assert all(isinstance(line, JournalLine) for line in lines)
    assert len({line.line_key for line in lines}) == 14
    booked = [line for line in lines if line.debit.amount > 0]
    assert {line.account for line in booked} == {"1250"}
    assert sum(line.debit.amount for line in lines) == sum(line.credit.amount for line in lines)
    assert batch.export.total("USD") == (
        Money(sum((c.amount for c in deductions), Decimal(0)), "USD"),
        Money(sum((c.amount for c in deductions), Decimal(0)), "USD"),
    )

    # Reading does not consume: the same export again until it is acknowledged, then nothing new.
    repeat = acorn.ledger.export(start, end)
    assert repeat.export.id == batch.export.id and [line.line_key for line in repeat] == [
        line.line_key for line in lines
    ]
    assert [e.id for e in acorn.ledger.exports(acknowledged=False)] == [batch.export.id]
    [acked] = acorn.ledger.acknowledge(batch.export.id)
    assert acked.id == batch.export.id and acked.acknowledged_at is not None
    assert acorn.ledger.acknowledge(batch.export.id)[0].acknowledged_at == acked.acknowledged_at  # idempotent
    assert acorn.ledger.export(start, end) is None
    assert list(acorn.ledger.new_lines(start, end)) == []

    again = acorn.ledger.get_export(batch.export.id)
    assert [line.line_key for line in again] == [line.line_key for line in lines]
    assert [e.id for e in acorn.ledger.exports()] == [batch.export.id]
    csv_text = acorn.ledger.export_csv(batch.export.id)
    assert csv_text.splitlines()[0].startswith("export_id,line_key")
    assert len(csv_text.splitlines()) == 15
