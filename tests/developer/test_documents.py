"""Documents: reads, and bulk upserts with per-item results, idempotent by natural key."""

from decimal import Decimal

from django.test import override_settings

from refunds.models import Carton, Invoice, Shipment
from tests.refunds.cases import make_chargeback

SHIPMENTS = "/api/v1/documents/shipments/bulk/"


def shipment(shipment_id="ASN-1", po="2JK3S9VC", **extra):
    return {
        "shipment_id": shipment_id,
        "shipment_type": "SmallParcel",
        "asn_sent_at": "2026-11-01T08:00:00Z",
        "items": [{"item_sequence_number": "1", "po_number": po, "asin": "B000000001", "shipped_quantity": 12}],
        "cartons": [{"sequence_number": 1, "identifier_type": "SSCC", "identifier": "001234567890123456"}],
        **extra,
    }


def test_bulk_shipments_with_cartons_are_created_then_unchanged(api, account):
    body = {"account": account.pk, "items": [shipment("ASN-1"), shipment("ASN-2")]}
    first = api.post(SHIPMENTS, body, format="json")
    assert first.status_code == 200, first.content
    assert first.json()["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 0}
    assert Carton.objects.filter(shipment__account=account).count() == 2
    again = api.post(SHIPMENTS, body, format="json")
    assert [item["status"] for item in again.json()["items"]] == ["unchanged", "unchanged"]
    assert Shipment.objects.filter(account=account).count() == 2
    body["items"][0]["carrier_name"] = "UPS"
    changed = api.post(SHIPMENTS, body, format="json").json()
    assert [item["status"] for item in changed["items"]] == ["updated", "unchanged"]


def test_bulk_reports_each_bad_item_and_keeps_the_good_ones(api, account):
    items = [
        shipment("ASN-OK"),
        {"shipment_id": "ASN-BAD", "items": [{"item_sequence_number": "1", "shipped_quantity": -3}]},
        {"items": []},
        shipment("ASN-DUPLINE", cartons=[{"sequence_number": 1}, {"sequence_number": 1}]),
    ]
    response = api.post(SHIPMENTS, {"account": account.pk, "items": items}, format="json")
    assert response.status_code == 207, response.content
    results = response.json()["items"]
    assert [r["status"] for r in results] == ["created", "rejected", "rejected", "rejected"]
    assert results[1]["key"] == "ASN-BAD" and results[1]["errors"][0]["field"] == "items"
    assert results[2]["errors"][0]["field"] == "shipment_id"
    assert "twice" in results[3]["errors"][0]["message"]
    assert list(Shipment.objects.filter(account=account).values_list("shipment_id", flat=True)) == ["ASN-OK"]


def test_bulk_refuses_an_empty_or_oversized_request(api, account):
    assert api.post(SHIPMENTS, {"account": account.pk, "items": []}, format="json").status_code == 400
    assert api.post(SHIPMENTS, {"items": [shipment()]}, format="json").json()["errors"] == {
        "account": ["Give the vendor account id."]
    }
    too_many = {"account": account.pk, "items": [shipment(f"S{i}") for i in range(501)]}
    assert api.post(SHIPMENTS, too_many, format="json").status_code == 400


def test_bulk_invoices_check_currency_and_trigger_matching(api, account, django_capture_on_commit_callbacks):
    case = make_chargeback(account, invoice_number="INV77SC", po_number="2JK3S9VC")
    line = {"line_number": 1, "quantity": 10, "unit_cost": "12.00", "amount": "120.00", "currency": "USD"}
    invoice = {"number": "INV77", "invoice_date": "2026-10-01", "amount": "120.00", "currency": "USD"}
    items = [
        {**invoice, "po_number": "2JK3S9VC", "lines": [line]},
        {**invoice, "number": "INV78", "amount": "10.00", "currency": "EUR"},
    ]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api.post("/api/v1/documents/invoices/bulk/", {"account": account.pk, "items": items}, format="json")
    assert response.status_code == 207, response.content
    results = response.json()["items"]
    assert results[0]["status"] == "created"
    assert results[1]["status"] == "rejected" and results[1]["errors"][0]["field"] == "currency"
    assert Invoice.objects.get(account=account, number="INV77").amount == Decimal("120.00")
    assert callbacks, "matching was not scheduled"
    case.refresh_from_db()
    assert hasattr(case, "assessment")  # re-evaluated by the task (run inline in tests)


def test_proof_of_delivery_updates_the_shipment_and_keeps_its_lines(api, account):
    api.post(SHIPMENTS, {"account": account.pk, "items": [shipment("ASN-9")]}, format="json")
    pod = {"shipment_id": "ASN-9", "delivered_at": "2026-11-03T14:00:00Z", "bill_of_lading": "BOL-42"}
    url = "/api/v1/documents/proofs-of-delivery/bulk/"
    first = api.post(url, {"account": account.pk, "items": [pod, {**pod, "shipment_id": "NOPE"}]}, format="json")
    assert first.status_code == 207
    assert [r["status"] for r in first.json()["items"]] == ["updated", "rejected"]
    saved = Shipment.objects.get(account=account, shipment_id="ASN-9")
    assert saved.bill_of_lading == "BOL-42" and saved.delivered_at is not None
    assert saved.cartons.count() == 1 and saved.items.count() == 1
    again = api.post(url, {"account": account.pk, "items": [pod]}, format="json")
    assert again.json()["items"][0]["status"] == "unchanged"


def test_documents_read(api, account):
    api.post(SHIPMENTS, {"account": account.pk, "items": [shipment("ASN-5")]}, format="json")
    listing = api.get("/api/v1/documents/shipments/", {"account": account.pk, "shipment_id": "ASN-5"})
    assert listing.status_code == 200
    [row] = listing.json()["results"]
    detail = api.get(f"/api/v1/documents/shipments/{row['id']}/").json()
    assert detail["cartons"][0]["identifier"] == "001234567890123456"
    assert detail["items"][0]["po_number"] == "2JK3S9VC"
    assert api.get("/api/v1/documents/shipments/", {"updated_since": "not a date"}).status_code == 400


@override_settings(ACORN_API_RATE="1000/min")
def test_write_scope_is_needed_for_bulk(org, account):
    from tests.developer.conftest import client_for, make_key

    _, secret = make_key(org, scopes=["documents:read"])
    response = client_for(secret).post(SHIPMENTS, {"account": account.pk, "items": [shipment()]}, format="json")
    assert response.status_code == 403
    assert not Shipment.objects.exists()
