"""Documents: reads, and bulk upserts with per-item results, idempotent by natural key."""

from datetime import UTC, date, datetime
from decimal import Decimal

from django.test import override_settings

from refunds.models import Carton, CoopAgreement, Invoice, ProofOfDelivery, Shipment
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
    assert results[1]["key"] == "ASN-BAD" and results[1]["errors"][0]["field"] == "items.0.shipped_quantity"
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
    invoice = {"number": "INV77", "issued_at": "2026-10-01T17:00:00Z", "amount": "120.00", "currency": "USD"}
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


PODS = "/api/v1/documents/proofs-of-delivery/bulk/"
INVOICES = "/api/v1/documents/invoices/bulk/"
COOP = "/api/v1/documents/coop-agreements/bulk/"


def test_proofs_of_delivery_are_documents_of_their_own_before_or_after_the_asn(api, account):
    pod = {
        "shipment_id": "ASN-9",
        "kind": "POD",
        "signed": True,
        "signed_by": "ONT8 receiving / D. Rossi",
        "delivered_at": "2026-11-03T14:00:00Z",
        "cartons_delivered": 6,
        "po_numbers": ["2JK3S9VC"],
    }
    parcel = {"shipment_id": "ASN-10", "kind": "BOL", "signed": False}  # small parcel: no BOL number, unsigned
    first = api.post(PODS, {"account": account.pk, "items": [pod, parcel]}, format="json")
    assert first.status_code == 200, first.content
    assert [r["status"] for r in first.json()["items"]] == ["created", "created"]
    saved = ProofOfDelivery.objects.get(account=account, shipment_id="ASN-9")  # no ASN yet: kept all the same
    assert (saved.signed, saved.cartons_delivered, saved.signed_by) == (True, 6, "ONT8 receiving / D. Rossi")
    assert saved.covers_cartons(6) and not saved.covers_cartons(7)
    assert not ProofOfDelivery.objects.get(shipment_id="ASN-10").covers_cartons(1)  # unsigned proves nothing
    api.post(SHIPMENTS, {"account": account.pk, "items": [shipment("ASN-9")]}, format="json")
    again = api.post(PODS, {"account": account.pk, "items": [pod]}, format="json")
    assert again.json()["items"][0]["status"] == "unchanged"
    assert Shipment.objects.get(shipment_id="ASN-9").items.count() == 1


def test_a_bad_proof_of_delivery_is_refused_with_its_field(api, account):
    items = [
        {"shipment_id": "ASN-1", "signed": True, "cartons_delivered": -1},
        {"shipment_id": "ASN-2", "signed": True, "kind": "FAX"},
        {"shipment_id": "ASN-3", "signed": True, "delivered_at": "2026-11-03T14:00:00"},  # no offset
        {"shipment_id": "ASN-4"},  # signed or not must be said
        {"shipment_id": "ASN-5", "signed": True},
    ]
    response = api.post(PODS, {"account": account.pk, "items": items}, format="json")
    assert response.status_code == 207
    results = response.json()["items"]
    fields = [[e["field"] for e in r["errors"]] for r in results]
    assert fields[:4] == [["cartons_delivered"], ["kind"], ["delivered_at"], ["signed"]]
    assert results[4]["status"] == "created"
    assert list(ProofOfDelivery.objects.values_list("shipment_id", flat=True)) == ["ASN-5"]


def invoice_item(number="INV90", **extra):
    line = {"line_number": 1, "quantity": 10, "unit_cost": "12.00", "amount": "120.00", "currency": "USD"}
    return {"number": number, "amount": "120.00", "currency": "USD", "po_number": "2JK3S9VC", "lines": [line], **extra}


def test_a_pushed_timestamp_becomes_the_marketplaces_local_date(api, account):
    # 02:30 UTC on 21 October is still the evening of the 20th in California.
    items = [invoice_item(issued_at="2026-10-21T02:30:00Z", due_date="2026-12-19")]
    response = api.post(INVOICES, {"account": account.pk, "items": items}, format="json")
    assert response.status_code == 200, response.content
    saved = Invoice.objects.get(account=account, number="INV90")
    assert (saved.invoice_date.isoformat(), saved.date_source, saved.pushed_date.isoformat()) == (
        "2026-10-20",
        "pushed",
        "2026-10-20",
    )
    assert saved.pushed_at.isoformat() == "2026-10-21T02:30:00+00:00"


def test_an_invoice_timestamp_must_say_its_offset_and_agree_with_its_date(api, account):
    items = [
        invoice_item("INV91", issued_at="2026-10-21T02:30:00"),
        invoice_item("INV92"),
        invoice_item("INV93", issued_at="2026-10-21T02:30:00Z", invoice_date="2026-10-21"),
        invoice_item("INV94", invoice_date="2026-10-21"),  # a bare local date is still accepted
    ]
    response = api.post(INVOICES, {"account": account.pk, "items": items}, format="json")
    results = response.json()["items"]
    assert [r["status"] for r in results] == ["rejected", "rejected", "rejected", "created"]
    assert "offset" in results[0]["errors"][0]["message"]
    assert results[1]["errors"][0]["field"] == "issued_at"
    assert "2026-10-20" in results[2]["errors"][0]["message"]
    assert list(Invoice.objects.values_list("number", flat=True)) == ["INV94"]


def test_a_pushed_date_never_moves_vendor_centrals_date(api, account):
    """VC's invoice export said 20 Oct; the ERP pushes 22 Oct: VC's date stays, the conflict is on record."""
    from datasources.services.imports import import_report_file

    csv = (
        b"Invoice Number,Payee,Invoice Date,Invoice Creation Date,Invoice Amount,Payment Due Date,Invoice Status\n"
        b'INV95,ACME,10/20/2026,10/20/2026,"120.00",12/19/2026,Paid\n'
    )
    done = import_report_file(account=account, kind="invoices", file=csv, user=None)
    assert done.status == "imported", done.errors
    items = [invoice_item("INV95", issued_at="2026-10-22T16:00:00Z", due_date="2026-12-21")]
    assert api.post(INVOICES, {"account": account.pk, "items": items}, format="json").status_code == 200
    saved = Invoice.objects.get(account=account, number="INV95")
    assert (saved.invoice_date.isoformat(), saved.due_date.isoformat()) == ("2026-10-20", "2026-12-19")
    assert saved.lines.count() == 1 and saved.po_number == "2JK3S9VC"  # the ERP's lines and PO are in
    assert "2026-10-22" in saved.date_conflict and "Vendor Central" in saved.date_conflict
    # And VC's export again keeps the ERP's lines (it has none of its own).
    again = import_report_file(account=account, kind="invoices", file=csv + b" ", user=None)
    assert again.status == "imported", again.errors
    saved.refresh_from_db()
    assert saved.lines.count() == 1 and saved.pushed_date.isoformat() == "2026-10-22"


def agreement(agreement_id="96598412", **extra):
    return {
        "agreement_id": agreement_id,
        "vendor_code": "ACMEU",
        "title": "Holiday Marketing Fund",
        "funding_type": "Marketing & Promotion",
        "rate_percent": "3.00",
        "calculation_base": "net receipts in the invoiced month",
        "billing": "monthly",
        "currency": "USD",
        "active_from": "2026-02-01",
        "active_to": "2027-05-31",
        "waived_periods": [{"from": "2026-07-01", "to": "2026-07-31", "reason": "fee waived by vendor manager"}],
        **extra,
    }


def test_coop_agreements_are_pushed_and_their_deductions_rejudged(api, account, django_capture_on_commit_callbacks):
    case = make_chargeback(account, family="coop", deduction_type="marketing_promotion", po_number="")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api.post(COOP, {"account": account.pk, "items": [agreement()]}, format="json")
    assert response.status_code == 200, response.content
    saved = CoopAgreement.objects.get(account=account, agreement_id="96598412")
    assert (saved.rate_percent, saved.name, saved.funding_type) == (
        Decimal("3.0000"),
        "Holiday Marketing Fund",
        "Marketing & Promotion",
    )
    assert saved.is_waived_on(date(2026, 7, 15)) and saved.waived_periods[0]["reason"]
    assert callbacks
    case.refresh_from_db()
    assert hasattr(case, "assessment")
    again = api.post(COOP, {"account": account.pk, "items": [agreement()]}, format="json")
    assert again.json()["items"][0]["status"] == "unchanged"


def test_a_bad_coop_agreement_is_refused_with_its_field(api, account):
    items = [
        agreement("1", rate_percent=None),  # a percentage agreement needs its rate
        agreement("2", vendor_code="OTHER"),
        agreement("3", active_to="2026-01-01"),
        agreement("4", waived_periods=[{"from": "2026-08-01", "to": "2026-07-01"}]),
        agreement("5", currency="EUR"),
        agreement("6"),
    ]
    response = api.post(COOP, {"account": account.pk, "items": items}, format="json")
    assert response.status_code == 207
    results = response.json()["items"]
    assert [r["status"] for r in results] == ["rejected"] * 5 + ["created"]
    assert [r["errors"][0]["field"].split("[")[0] for r in results[:5]] == [
        "rate_percent",
        "vendor_code",
        "ends_on",
        "waived_periods.0.to",
        "currency",
    ]
    assert "ends before it starts" in results[3]["errors"][0]["message"]
    assert list(CoopAgreement.objects.values_list("agreement_id", flat=True)) == ["6"]


def test_asn_lines_with_only_a_gtin_get_the_po_items_asin(api, account):
    from refunds.services import ingest
    from refunds.services.records import PurchaseOrderItemRecord, PurchaseOrderRecord

    gtin_line = {
        "item_sequence_number": "1",
        "po_number": "2JK3S9VC",
        "vendor_sku": "0608855383158",
        "shipped_quantity": 12,
    }
    body = {"account": account.pk, "items": [{**shipment("ASN-G"), "items": [gtin_line]}]}
    assert api.post(SHIPMENTS, body, format="json").status_code == 200
    line = Shipment.objects.get(shipment_id="ASN-G").items.get()
    assert (line.asin, line.asin_from_po) == ("", False)  # the PO is not known yet: nothing guessed
    po = PurchaseOrderRecord(
        number="2JK3S9VC",
        state="Closed",
        ordered_at=datetime(2026, 10, 1, tzinfo=UTC),
        items=[
            PurchaseOrderItemRecord(
                item_sequence_number="1",
                asin="B0ZSP4GB7W",
                vendor_sku="0608855383158",
                ordered_quantity=12,
                net_cost=Decimal("61.49"),
                currency="USD",
            )
        ],
    )
    ingest.upsert_purchase_orders(account=account, records=[po])
    line.refresh_from_db()
    assert (line.asin, line.asin_from_po) == ("B0ZSP4GB7W", True)
    again = api.post(SHIPMENTS, body, format="json")  # the ERP sends the same ASN again
    assert again.json()["items"][0]["status"] == "unchanged"
    line.refresh_from_db()
    assert line.asin == "B0ZSP4GB7W"


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


def test_nested_errors_are_json_with_pointers_never_python_reprs(api, account):
    bad = {"shipment_id": "ASN-BAD", "items": [{"item_sequence_number": "1", "shipped_quantity": -3}]}
    response = api.post(SHIPMENTS, {"account": account.pk, "items": [shipment("ASN-OK"), bad]}, format="json")
    assert response.status_code == 207, response.content
    assert "ErrorDetail" not in response.content.decode() and "{0:" not in response.content.decode()
    errors = response.json()["items"][1]["errors"]
    quantity = next(error for error in errors if error["field"] == "items.0.shipped_quantity")
    assert quantity["code"] == "min_value" and quantity["pointer"] == "/items/1/items/0/shipped_quantity"
    assert "greater than or equal to 0" in quantity["message"]
