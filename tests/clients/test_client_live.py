"""The Python client against a live ACORN server (real HTTP, real database): cursor pages, filters,
typed models, problem errors as exceptions, 429 and 5xx retries, idempotent retries of writes."""

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from acorn_client import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    Money,
    NotFoundError,
    PermissionDeniedError,
)
from acorn_client.models import Carton, Chargeback, ChargebackStatus, Shipment, ShipmentItem
from django.test import override_settings

from developer.models import APIKey
from developer.services.keys import revoke_api_key
from refunds.models import Chargeback as ChargebackRow
from refunds.models import Evidence
from tests.clients.conftest import issue_key
from tests.clients.servers import FaultyProxy
from tests.refunds.cases import PDF_BYTES, make_chargeback, today


def test_list_iterates_lazily_across_cursor_pages(live_server, deductions, client_for, key, other_account):
    make_chargeback(other_account, amazon_id="RIVAL0001")  # another organization's: never listed
    with FaultyProxy(live_server.url) as proxy:
        acorn = client_for(key, url=proxy.url + "/api/v1/")
        listing = acorn.chargebacks.list(page_size=3, ordering="issue_date")
        assert proxy.received == []  # nothing fetched before iterating
        iterator = iter(listing)
        first = next(iterator)
        assert len(proxy.received) == 1
        rest = list(iterator)
    assert len(proxy.received) == 3  # 3 + 3 + 1
    assert "cursor=" in proxy.received[1].path and "cursor=" in proxy.received[2].path
    ids = [first.id, *(c.id for c in rest)]
    assert ids == [c.pk for c in deductions]  # oldest first, each exactly once


def test_pages_expose_the_cursor_to_resume_from(deductions, acorn):
    pages = acorn.chargebacks.list(page_size=4, ordering="issue_date").pages()
    first = next(pages)
    assert len(first.items) == 4 and first.next_cursor
    resumed = list(acorn.chargebacks.list(page_size=4, ordering="issue_date", cursor=first.next_cursor))
    assert [c.amazon_id for c in resumed] == [c.amazon_id for c in deductions[4:]]


def test_list_items_are_typed_models(deductions, acorn):
    item = next(iter(acorn.chargebacks.list(ordering="issue_date")))
    assert isinstance(item, Chargeback)
    assert item.amount == Money(Decimal("10.25"), "USD")
    assert isinstance(item.amount.amount, Decimal)
    assert item.issue_date == deductions[0].issue_date and isinstance(item.issue_date, date)
    assert item.due_date == deductions[0].due_on
    assert isinstance(item.updated_at, datetime) and item.updated_at.tzinfo is not None
    assert item.state == "new"
    assert item.marketplace == "US"


def test_filters_reach_the_server(deductions, acorn):
    def amazon_ids(**filters):
        return sorted(c.amazon_id for c in acorn.chargebacks.list(**filters))

    assert amazon_ids(family="shortage_claim") == ["CB00000001", "CB00000003", "CB00000005"]
    assert amazon_ids(amount_min=Decimal("50"), amount_max="60.25") == ["CB00000004", "CB00000005"]
    assert amazon_ids(issue_date_from=today() - timedelta(days=25)) == ["CB00000005", "CB00000006"]
    assert amazon_ids(po="po-1abc") == ["CB00000001", "CB00000004"]  # normalised by the server
    assert amazon_ids(q="CB00000006") == ["CB00000006"]
    acorn.chargebacks.transition(deductions[2].pk, "start_review")
    acorn.chargebacks.transition(deductions[3].pk, "start_review")
    assert amazon_ids(state="in_review") == ["CB00000002", "CB00000003"]
    assert len(amazon_ids(state=["in_review", "new"])) == 7  # a list is sent as repeated parameters
    assert amazon_ids(currency="EUR") == []


def test_detail_status_and_transition_round_trip(deductions, acorn):
    case = deductions[0]
    detail = acorn.chargebacks.get(case.pk)
    assert detail.amazon_id == case.amazon_id and detail.evidence == [] and detail.approvals == []
    assert "start_review" in detail.available_transitions
    moved = acorn.chargebacks.transition(case.pk, "start_review", workflow_version=detail.workflow_version)
    assert moved.state == "in_review" and moved.workflow_version != detail.workflow_version
    status = acorn.chargebacks.status(case.pk)
    assert isinstance(status, ChargebackStatus)
    assert status.state == "in_review" and status.due_date == case.due_on
    assert status.timeline and all(isinstance(entry.when, datetime) for entry in status.timeline)
    # The version read before the transition is stale now: a conflict, raised as a typed exception.
    with pytest.raises(ConflictError) as stale:
        acorn.chargebacks.transition(
            case.pk, "accept_deduction", reason="valid", workflow_version=detail.workflow_version
        )
    assert stale.value.status == 409 and stale.value.request_id


def test_problem_errors_become_typed_exceptions(deductions, acorn, client_for, org, other_account):
    foreign = make_chargeback(other_account, amazon_id="RIVAL0002")
    with pytest.raises(NotFoundError) as missing:
        acorn.chargebacks.get(foreign.pk)  # another organization's case is simply not found
    assert missing.value.status == 404
    assert missing.value.title == "Not found"
    assert missing.value.request_id and missing.value.instance.endswith(f"/chargebacks/{foreign.pk}/")

    with pytest.raises(BadRequestError) as invalid:
        list(acorn.chargebacks.list(amount_min="lots"))
    assert "amount_min" in invalid.value.errors
    assert invalid.value.type.endswith("validation-error")

    with pytest.raises(ConflictError) as refused:
        acorn.chargebacks.transition(deductions[0].pk, "file_dispute", amazon_case_id="123")
    assert refused.value.detail

    read_only = client_for(issue_key(org, scopes="chargebacks:read", name="read only"))
    with pytest.raises(PermissionDeniedError) as forbidden:
        read_only.chargebacks.transition(deductions[0].pk, "start_review")
    assert forbidden.value.status == 403

    revoked_secret = issue_key(org, name="to revoke")
    revoke_api_key(key=APIKey.objects.get(name="to revoke"))
    with pytest.raises(AuthenticationError) as unauthenticated:
        client_for(revoked_secret).chargebacks.get(deductions[0].pk)
    assert unauthenticated.value.status == 401 and unauthenticated.value.detail


@override_settings(ACORN_API_RATE="2/s")
def test_a_429_from_the_key_throttle_is_retried_after_retry_after(deductions, client_for, key, sleeps, live_server):
    with FaultyProxy(live_server.url) as proxy:
        acorn = client_for(key, url=proxy.url + "/api/v1/")
        fetched = [acorn.chargebacks.get(deductions[n].pk).amazon_id for n in range(4)]
    assert fetched == [c.amazon_id for c in deductions[:4]]
    assert 429 in proxy.upstream_statuses  # the server really throttled ...
    assert proxy.upstream_statuses[-1] == 200
    assert sleeps.calls and all(wait >= 1 for wait in sleeps.calls)  # ... and the client waited as told


def test_5xx_is_retried_until_the_server_answers(deductions, client_for, key, sleeps, live_server):
    with FaultyProxy(live_server.url, fail_before=2) as proxy:
        acorn = client_for(key, url=proxy.url + "/api/v1/")
        assert acorn.chargebacks.get(deductions[0].pk).amazon_id == deductions[0].amazon_id
    assert len(proxy.received) == 3
    assert proxy.upstream_statuses == [200]  # the server saw only the attempt that got through
    assert len(sleeps.calls) == 2 and sleeps.calls[1] > 0


def test_a_lost_answer_to_a_post_is_retried_without_a_second_effect(deductions, client_for, key, live_server):
    case = deductions[0]
    is_post = lambda method, path: method == "POST"  # noqa: E731
    with FaultyProxy(live_server.url, fail_after=1, match=is_post) as proxy:
        acorn = client_for(key, url=proxy.url + "/api/v1/")
        evidence = acorn.chargebacks.upload_evidence(
            case.pk, kind="pod", file=_pdf(), filename="pod.pdf", content_type="application/pdf"
        )
        moved = acorn.chargebacks.transition(case.pk, "start_review", note="from the ERP")
    posts = [r for r in proxy.received if r.method == "POST"]
    assert len(posts) == 3  # upload, its retry, the transition
    assert posts[0].headers["Idempotency-Key"] == posts[1].headers["Idempotency-Key"]
    assert posts[2].headers["Idempotency-Key"] != posts[0].headers["Idempotency-Key"]
    assert proxy.upstream_statuses == [201, 201, 200]  # the server answered the retry ...
    assert Evidence.objects.filter(chargeback=case).count() == 1  # ... from its record: one file
    assert evidence.name == "pod.pdf" and evidence.kind == "pod"
    assert moved.state == "in_review"
    assert ChargebackRow.objects.get(pk=case.pk).history.filter(state="in_review").count() == 1


def test_a_second_call_is_a_second_request_with_its_own_key(deductions, acorn):
    first = acorn.chargebacks.upload_evidence(deductions[1].pk, kind="pod", file=_pdf(), filename="a.pdf")
    second = acorn.chargebacks.upload_evidence(deductions[1].pk, kind="pod", file=_pdf(), filename="b.pdf")
    assert first.id != second.id
    assert Evidence.objects.filter(chargeback=deductions[1]).count() == 2


def test_events_feed_iterates_and_resumes(deductions, acorn):
    acorn.chargebacks.transition(deductions[0].pk, "start_review")
    feed = acorn.events.iter(limit=2)
    events = list(feed)
    assert events, "the transition wrote an event to the outbox"
    assert [e.id for e in events] == sorted(e.id for e in events)
    assert feed.last_id == events[-1].position
    assert all(isinstance(e.created_at, datetime) and e.created_at.tzinfo is not None for e in events)
    assert list(acorn.events.iter(after=feed.last_id)) == []
    acorn.chargebacks.transition(deductions[1].pk, "start_review")
    newer = list(acorn.events.iter(after=feed.last_id))
    assert newer and all(e.position > feed.last_id for e in newer)
    assert datetime.now(UTC) - newer[-1].created_at < timedelta(minutes=5)


def _pdf():
    return io.BytesIO(PDF_BYTES)


def test_documents_imports_and_sync_runs(deductions, acorn, client_for, org, account, other_account):
    result = acorn.documents.shipments.upsert(
        account.pk,
        [
            Shipment(
                shipment_id="ASN-1",
                shipped_at=datetime(2026, 11, 20, 9, tzinfo=UTC),
                items=[ShipmentItem(item_sequence_number="1", shipped_quantity=5, po_number="PO-0ABC")],
                cartons=[Carton(sequence_number=1, contents=[{"item_sequence_number": "1", "quantity": 5}])],
            ),
            {"shipment_id": "ASN-2", "items": [{"item_sequence_number": "1", "shipped_quantity": -1}]},
            {"shipment_id": "ASN-3"},
        ],
        chunk_size=2,  # two requests; the indexes in the result are still those of the list sent
    )
    assert result.counts == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 1}
    assert [(item.index, item.key, item.status) for item in result.items] == [
        (0, "ASN-1", "created"),
        (1, "ASN-2", "rejected"),
        (2, "ASN-3", "created"),
    ]
    assert result.rejected[0].errors[0].field.startswith("items")
    (shipment,) = list(acorn.documents.shipments.list(shipment_id="ASN-1"))
    detail = acorn.documents.shipments.get(shipment.id)
    assert detail.shipped_at == datetime(2026, 11, 20, 9, tzinfo=UTC)
    assert detail.items[0].shipped_quantity == 5 and detail.cartons[0].contents[0]["quantity"] == 5
    with pytest.raises(NotFoundError):
        acorn.documents.shipments.upsert(other_account.pk, [{"shipment_id": "X"}])  # not our account

    report = "Issue ID,Chargeback Type,Amount,Issue Date,PO #\n7001,Prep,abc,03/05/2025,X\n"
    failed = acorn.imports.upload(account=account.pk, kind="chargebacks", file=io.BytesIO(report.encode()))
    assert failed.status == "failed" and failed.error_count == 1
    assert (failed.errors[0].row, failed.errors[0].column, failed.errors[0].value) == (2, "Amount", "abc")
    assert "number" in failed.errors[0].why
    assert [i.id for i in acorn.imports.list()] == [failed.id]
    assert acorn.imports.get(failed.id).errors == failed.errors

    with pytest.raises(PermissionDeniedError):  # a manager's key may not start a sync (the portal needs an admin)
        acorn.sync_runs.trigger(account.pk)
    admin = client_for(issue_key(org, scopes="sync:run", role="admin", name="ops bot"))
    assert admin.sync_runs.trigger(account.pk) == {"account": account.pk, "status": "queued"}
    assert list(admin.sync_runs.list(account=account.pk)) == []  # no data source: nothing ran
