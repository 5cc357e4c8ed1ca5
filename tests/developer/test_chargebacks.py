"""`/api/v1/chargebacks/`: filters, ordering, cursor pages, query counts, detail, status, transitions, evidence."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from acorn_portal.models import OutboxEvent
from acorn_portal.roles import Role
from developer.api.chargebacks import ChargebackSerializer
from refunds.choices import ChargebackState
from refunds.models import Evidence
from tests.developer.conftest import client_for, make_key
from tests.refunds.cases import PDF_BYTES, make_chargeback, upload, walk

LIST = "/api/v1/chargebacks/"


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_list_item_has_the_documented_fields(api, account):
    make_chargeback(account, amount=Decimal("250.00"))
    row = api.get(LIST).json()["results"][0]
    assert set(row) == set(ChargebackSerializer().fields)
    assert row["amount"] == {"amount": "250.00", "currency": "USD"}
    date.fromisoformat(row["issue_date"])


def test_filters(api, account, ops):
    a = make_chargeback(account, amazon_id="A-1", po_number="PO 2JK3S9VA", asin="B00000001", amount=Decimal("10.00"))
    b = make_chargeback(account, amazon_id="B-1", invoice_number="INV9", amount=Decimal("500.00"), due_on=None)
    c = make_chargeback(account, amazon_id="C-1", family="operational_chargeback", deduction_type="asn_accuracy")
    c.assignee = ops
    c.save()
    assert ids(api.get(LIST, {"po": "2jk3s9va"})) == [a.pk]
    assert ids(api.get(LIST, {"asin": "b00000001"})) == [a.pk]
    assert ids(api.get(LIST, {"invoice": "INV9"})) == [b.pk]
    assert ids(api.get(LIST, {"amount_min": "300"})) == [b.pk]
    assert set(ids(api.get(LIST, {"amount_max": "250"}))) == {a.pk, c.pk}
    assert ids(api.get(LIST, {"type": "asn_accuracy"})) == [c.pk]
    assert ids(api.get(LIST, {"family": "operational_chargeback"})) == [c.pk]
    assert ids(api.get(LIST, {"assignee": "olivia"})) == [c.pk]
    assert ids(api.get(LIST, {"q": "B-1"})) == [b.pk]
    assert ids(api.get(LIST, {"q": "PO-2JK3S9VA"})) == [a.pk]
    assert set(ids(api.get(LIST, {"state": "new", "account": account.pk, "marketplace": "US"}))) == {a.pk, b.pk, c.pk}
    assert ids(api.get(LIST, {"state": "in_review"})) == []
    assert set(ids(api.get(LIST, {"currency": "USD"}))) == {a.pk, b.pk, c.pk}
    soon = (date.today() + timedelta(days=30)).isoformat()
    assert b.pk not in ids(api.get(LIST, {"due_date_to": soon}))


def test_ordering_and_cursor_pages_are_stable(api, account):
    base = date(2026, 10, 1)
    cases = [make_chargeback(account, issue_date=base + timedelta(days=i % 3)) for i in range(7)]
    seen, url = [], LIST + "?page_size=3&ordering=-issue_date"
    first_page = None
    while url:
        response = api.get(url)
        body = response.json()
        seen += [row["id"] for row in body["results"]]
        if first_page is None:
            first_page = body
            # A row inserted ahead of the cursor does not shift what comes next.
            make_chargeback(account, issue_date=base + timedelta(days=5))
        url = body["next"]
    expected = sorted(cases, key=lambda c: (c.issue_date, c.pk), reverse=True)
    assert seen == [c.pk for c in expected]
    ascending = ids(api.get(LIST, {"ordering": "amount", "page_size": 200}))
    assert len(ascending) == 8
    by_due = api.get(LIST, {"ordering": "due_date", "page_size": 2})
    assert by_due.json()["next_cursor"]
    follow = api.get(by_due.json()["next"])
    assert follow.status_code == 200


def test_cursor_for_another_ordering_or_garbage_is_refused(api, account):
    for _ in range(3):
        make_chargeback(account)
    cursor = api.get(LIST, {"page_size": 1}).json()["next_cursor"]
    response = api.get(LIST, {"page_size": 1, "cursor": cursor, "ordering": "amount"})
    assert response.status_code == 400 and "cursor" in response.json()["errors"]
    assert api.get(LIST, {"cursor": "garbage!!"}).status_code == 400


@pytest.mark.parametrize("size", [5, 40])
def test_list_query_count_does_not_grow_with_page_size(api, account, ops, size):
    for i in range(size):
        case = make_chargeback(account, assignee=ops if i % 2 else None)
        case.recovered_amount = Decimal("1.00") if i % 3 == 0 else None
        case.save()
    api.get(LIST)  # last_used_at written once; later requests in the minute do not write
    with CaptureQueriesContext(connection) as queries:
        response = api.get(LIST, {"page_size": size})
    assert len(response.json()["results"]) == size
    # The page query only (the key comes from the authentication cache): nothing per row, no COUNT(*).
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert not any("COUNT(" in q["sql"].upper() for q in queries)


def test_detail_has_verdict_evidence_approvals_and_transitions(api, account, ops, manager):
    case = walk(make_chargeback(account), ChargebackState.APPROVED, ops=ops, manager=manager)
    body = api.get(f"/api/v1/chargebacks/{case.pk}/").json()
    assert body["state"] == "approved"
    assert body["evidence"] and {e["kind"] for e in body["evidence"]} <= {"pod", "bol", "photos", "asn", "other"}
    assert [a["decision"] for a in body["approvals"]] == ["approved"]
    assert body["approvals"][0]["approver"] == "maria"
    assert "file_dispute" in body["available_transitions"]
    assert "verdict" in body and body["workflow_version"] == case.workflow_version


def test_status_has_timeline(api, account, ops):
    case = walk(make_chargeback(account), ChargebackState.IN_REVIEW, ops=ops, manager=None)
    body = api.get(f"/api/v1/chargebacks/{case.pk}/status/").json()
    assert body["state"] == "in_review"
    assert body["due_date"] == case.due_on.isoformat()
    assert body["timeline"][0]["who"] == "olivia"
    assert any(change["field"] == "state" for change in body["timeline"][0]["changes"])


def test_transition_runs_the_workflow_service_as_the_keys_service_user(org, account):
    case = make_chargeback(account)
    key, secret = make_key(org, role=Role.OPERATIONS)
    response = client_for(secret).post(f"/api/v1/chargebacks/{case.pk}/transitions/start_review/", {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "in_review"
    case.refresh_from_db()
    assert case.state == "in_review"
    assert case.history.first().history_user == key.user
    assert OutboxEvent.objects.filter(name="chargeback.state_changed", object_id=str(case.pk)).exists()


def test_transition_refused_by_role_is_403(org, account, ops):
    case = walk(make_chargeback(account), ChargebackState.PENDING_APPROVAL, ops=ops, manager=None)
    _, secret = make_key(org, role=Role.OPERATIONS)  # operations may not approve
    response = client_for(secret).post(f"/api/v1/chargebacks/{case.pk}/transitions/approve_dispute/", {}, format="json")
    assert response.status_code == 403, response.content
    assert response["Content-Type"] == "application/problem+json"
    case.refresh_from_db()
    assert case.state == "pending_approval"


def test_transition_not_possible_or_stale_is_409(api, account):
    case = make_chargeback(account)
    response = api.post(
        f"/api/v1/chargebacks/{case.pk}/transitions/file_dispute/", {"amazon_case_id": "X"}, format="json"
    )
    assert response.status_code == 409 and "not possible" in response.json()["detail"]
    stale = api.post(
        f"/api/v1/chargebacks/{case.pk}/transitions/start_review/",
        {"workflow_version": case.workflow_version + 1},
        format="json",
    )
    assert stale.status_code == 409 and "changed" in stale.json()["detail"]
    case.refresh_from_db()
    assert case.state == "new"


def test_transition_input_errors(api, account, ops):
    case = walk(make_chargeback(account), ChargebackState.IN_REVIEW, ops=ops, manager=None)
    url = f"/api/v1/chargebacks/{case.pk}/transitions/accept_deduction/"
    response = api.post(url, {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    response = api.post(url, {"reason": "valid", "amazon_case_id": "X"}, format="json")
    assert response.status_code == 400 and "amazon_case_id" in response.json()["errors"]
    assert api.post(f"/api/v1/chargebacks/{case.pk}/transitions/fly_away/", {}, format="json").status_code == 404
    assert api.post(url, {"reason": "A valid deduction"}, format="json").json()["state"] == "accepted"


def test_evidence_upload_and_list(api, account):
    case = make_chargeback(account)
    url = f"/api/v1/chargebacks/{case.pk}/evidence/"
    response = api.post(
        url, {"kind": "pod", "file": upload(PDF_BYTES, "pod.pdf"), "note": "signed"}, format="multipart"
    )
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == "application/pdf"
    assert Evidence.objects.get(chargeback=case).uploaded_by.api_key.organization_id == account.organization_id
    assert [e["kind"] for e in api.get(url).json()] == ["pod"]
    bad = api.post(url, {"kind": "pod", "file": upload(b"\x00\x01binary", "x.exe")}, format="multipart")
    assert bad.status_code == 400 and "file" in bad.json()["errors"]


def test_evaluate_judges_the_case_again_and_answers_with_the_verdict(api, account):
    from refunds.models import ChargebackAssessment

    case = make_chargeback(account, amazon_id="1146263927", family="operational_chargeback", deduction_type="prep")
    assert not ChargebackAssessment.objects.filter(chargeback=case).exists()
    response = api.post(f"/api/v1/chargebacks/{case.pk}/evaluate/", {}, format="json")
    assert response.status_code == 200, response.content
    assessment = ChargebackAssessment.objects.get(chargeback=case)
    assert assessment.recommendation == "needs_evidence"  # prep is decided only on photos
    assert response.json()["id"] == case.pk
    case.refresh_from_db()
    assert case.recommendation == "needs_evidence"


def test_evaluate_needs_the_write_scope(org, account):
    case = make_chargeback(account)
    _, secret = make_key(org, scopes=["chargebacks:read"])
    response = client_for(secret).post(f"/api/v1/chargebacks/{case.pk}/evaluate/", {}, format="json")
    assert response.status_code == 403
    assert api_missing(case)


def api_missing(case) -> bool:
    from refunds.models import ChargebackAssessment

    return not ChargebackAssessment.objects.filter(chargeback=case).exists()
