"""refunds.services.ingest: natural-key upserts, validation before writing, invoice chains, history."""

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from acorn_portal.models import VendorAccount
from refunds.models import Carton, Chargeback, Invoice, InvoiceLine, PurchaseOrder, PurchaseOrderItem, Remittance
from refunds.services.ingest import (
    CHARGEBACK_FACT_FIELDS,
    CartonRecord,
    ChargebackRecord,
    InvoiceLineRecord,
    InvoiceRecord,
    PurchaseOrderItemRecord,
    PurchaseOrderRecord,
    RemittanceLineRecord,
    RemittanceRecord,
    ShipmentItemRecord,
    ShipmentRecord,
    upsert_chargebacks,
    upsert_invoices,
    upsert_purchase_orders,
    upsert_remittances,
    upsert_shipments,
)

pytestmark = pytest.mark.django_db

ORDERED = datetime(2026, 9, 1, 15, 30, tzinfo=UTC)


def po_item(seq, quantity=10, cost="12.50", currency="USD", **extra):
    return PurchaseOrderItemRecord(
        item_sequence_number=str(seq),
        asin=f"B0TEST000{seq}",
        ordered_quantity=quantity,
        net_cost=Decimal(cost),
        currency=currency,
        **extra,
    )


def purchase_order(number="2JK3S9VC", items=None, **extra):
    values = {"number": number, "state": "Acknowledged", "ordered_at": ORDERED, "ship_to_party": "ABE8"}
    items = items if items is not None else [po_item(1), po_item(2, quantity=4)]
    return PurchaseOrderRecord(**{**values, **extra}, items=items)


def invoice(number, amount="-25.00", lines=None, **extra):
    values = {"invoice_date": date(2026, 9, 10), "currency": "USD", "po_number": "2JK3S9VC"}
    return InvoiceRecord(number=number, amount=Decimal(amount), lines=lines or [], **{**values, **extra})


def chargeback(amazon_id="10000000001", amount="42.00", **extra):
    values = {
        "amazon_id": amazon_id,
        "family": "operational_chargeback",
        "deduction_type": "asn_accuracy",
        "sub_type": "Late ASN",
        "amount": Decimal(amount),
        "currency": "USD",
        "issue_date": date(2026, 9, 20),
        "po_number": "po# 2jk3s9vc",
        "quantity": 12,
    }
    return ChargebackRecord(**{**values, **extra})


def test_upsert_purchase_orders_inserts_then_reinsert_is_unchanged(account):
    first = upsert_purchase_orders(account=account, records=[purchase_order(), purchase_order("7HQ2MX4P")])
    assert (first.created, first.updated, first.unchanged, first.rejected) == (2, 0, 0, 0)

    second = upsert_purchase_orders(account=account, records=[purchase_order(), purchase_order("7HQ2MX4P")])
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert PurchaseOrder.objects.count() == 2
    assert PurchaseOrderItem.objects.count() == 4
    po = PurchaseOrder.objects.get(number="2JK3S9VC")
    assert po.number_normalized == "2JK3S9VC"
    assert po.account == account


def test_upsert_purchase_orders_changed_field_is_an_update(account):
    upsert_purchase_orders(account=account, records=[purchase_order()])
    before = PurchaseOrder.objects.get()

    result = upsert_purchase_orders(account=account, records=[purchase_order(state="Closed")])

    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    after = PurchaseOrder.objects.get()
    assert after.pk == before.pk
    assert after.state == "Closed"
    assert after.created_at == before.created_at
    assert after.updated_at > before.updated_at


def test_upsert_purchase_orders_line_change_updates_and_missing_lines_are_deleted(account):
    upsert_purchase_orders(account=account, records=[purchase_order(items=[po_item(1), po_item(2), po_item(3)])])
    item_one = PurchaseOrderItem.objects.get(item_sequence_number="1")

    changed = purchase_order(items=[po_item(1, received_quantity=8, receive_status="PARTIALLY_RECEIVED"), po_item(2)])
    result = upsert_purchase_orders(account=account, records=[changed])

    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    items = {item.item_sequence_number: item for item in PurchaseOrderItem.objects.all()}
    assert set(items) == {"1", "2"}
    assert items["1"].pk == item_one.pk
    assert items["1"].received_quantity == 8


def test_upsert_is_scoped_to_the_account(account, other_account):
    upsert_purchase_orders(account=account, records=[purchase_order()])
    result = upsert_purchase_orders(account=other_account, records=[purchase_order(state="Closed")])

    assert result.created == 1
    assert PurchaseOrder.objects.get(account=account).state == "Acknowledged"
    assert PurchaseOrder.objects.get(account=other_account).state == "Closed"


def test_wrong_currency_is_rejected_naming_the_field_and_the_rest_goes_in(account):
    bad = purchase_order("BADCUR01", items=[po_item(1), po_item(2, currency="EUR")])

    result = upsert_purchase_orders(account=account, records=[purchase_order(), bad])

    assert (result.created, result.rejected) == (1, 1)
    assert [(e.key, e.field) for e in result.errors] == [("BADCUR01", "items[1].currency")]
    assert "does not match the vendor account's currency 'USD'" in result.errors[0].message
    # Nothing of the refused PO is half-saved: neither the header nor its valid first line.
    assert not PurchaseOrder.objects.filter(number="BADCUR01").exists()
    assert PurchaseOrderItem.objects.count() == 2


def test_amount_with_too_many_decimals_for_the_currency_is_rejected(account):
    result = upsert_invoices(account=account, records=[invoice("40000001", amount="10.005")])

    assert result.rejected == 1
    assert result.errors[0].field == "amount"
    assert "more decimals than USD allows (2)" in result.errors[0].message
    assert not Invoice.objects.exists()


def test_yen_amount_with_decimals_is_rejected(org):
    japan = VendorAccount.objects.create(organization=org, name="Acme JP", vendor_codes="ACMEJ", marketplace="JP")
    record = RemittanceRecord(
        payment_number="P1",
        payment_date=date(2026, 9, 30),
        amount=Decimal("1000"),
        currency="JPY",
        lines=[RemittanceLineRecord(line_number=1, invoice_number="1", amount=Decimal("10.5"), currency="JPY")],
    )

    result = upsert_remittances(account=japan, records=[record])

    assert result.rejected == 1
    assert [e.field for e in result.errors] == ["lines[0].amount"]
    assert "JPY allows (0)" in result.errors[0].message
    assert not Remittance.objects.exists()


def test_negative_quantity_and_missing_required_field_are_rejected(account):
    negative = purchase_order("NEGQTY01", items=[po_item(1, quantity=-3)])
    missing = purchase_order("NOORDER1", ordered_at=None)
    float_cost = purchase_order("FLOATC01", items=[replace(po_item(1), net_cost=12.5)])

    result = upsert_purchase_orders(account=account, records=[negative, missing, float_cost])

    assert result.rejected == 3
    fields = {(e.key, e.field) for e in result.errors}
    assert fields == {
        ("NEGQTY01", "items[0].ordered_quantity"),
        ("NOORDER1", "ordered_at"),
        ("FLOATC01", "items[0].net_cost"),
    }
    assert not PurchaseOrder.objects.exists()


def test_negative_carton_contents_and_duplicate_line_keys_are_rejected(account):
    shipment = ShipmentRecord(
        shipment_id="ASN-1",
        items=[
            ShipmentItemRecord(item_sequence_number="1", shipped_quantity=5, po_number="2JK3S9VC"),
            ShipmentItemRecord(item_sequence_number="1", shipped_quantity=6, po_number="2JK3S9VC"),
        ],
        cartons=[CartonRecord(sequence_number=1, contents=[{"item_sequence_number": "1", "quantity": -1}])],
    )

    result = upsert_shipments(account=account, records=[shipment])

    assert {e.field for e in result.errors} == {"items[1].item_sequence_number", "cartons[0].contents[0].quantity"}


def test_shipments_with_items_and_cartons_round_trip(account):
    record = ShipmentRecord(
        shipment_id="ASN-1",
        bill_of_lading="BOL1",
        items=[ShipmentItemRecord(item_sequence_number="1", shipped_quantity=24, po_number="PO-2JK3S9VC")],
        cartons=[
            CartonRecord(
                sequence_number=n,
                identifier_type="SSCC",
                identifier=f"00012345600000000{n}",
                contents=[{"item_sequence_number": "1", "quantity": 12}],
            )
            for n in (1, 2)
        ],
    )
    assert upsert_shipments(account=account, records=[record]).created == 1
    assert upsert_shipments(account=account, records=[record]).unchanged == 1

    record.cartons = record.cartons[:1]
    result = upsert_shipments(account=account, records=[record])

    assert result.updated == 1
    assert Carton.objects.count() == 1
    assert account.shipment_set.get().items.get().po_number_normalized == "2JK3S9VC"


def test_duplicate_key_in_one_batch_keeps_the_later_record(account):
    result = upsert_purchase_orders(account=account, records=[purchase_order(), purchase_order(state="Closed")])

    assert (result.created, result.rejected) == (1, 1)
    assert PurchaseOrder.objects.get().state == "Closed"


def test_batches_commit_independently_and_counts_add_up(account):
    records = [purchase_order(f"BATCH{n:03d}") for n in range(25)]

    result = upsert_purchase_orders(account=account, records=iter(records), batch_size=10)

    assert result.created == 25
    assert PurchaseOrder.objects.count() == 25


def test_invoice_derived_fields_are_computed(account):
    line = InvoiceLineRecord(
        line_number=1,
        quantity=-2,
        unit_cost=Decimal("12.5"),
        amount=Decimal("-25.00"),
        currency="USD",
        po_number="po 2jk3s9vc",
    )
    upsert_invoices(account=account, records=[invoice("40000001 sc", lines=[line])])

    inv = Invoice.objects.get()
    assert (inv.number, inv.root_number, inv.suffixes, inv.direction) == ("40000001SC", "40000001", "SC", "debit")
    assert inv.po_number_normalized == "2JK3S9VC"
    assert InvoiceLine.objects.get().po_number_normalized == "2JK3S9VC"


def test_invoice_chain_links_derivatives_to_their_parent(account):
    upsert_invoices(account=account, records=[invoice("40000001", amount="100.00"), invoice("40000001SC")])
    upsert_invoices(account=account, records=[invoice("40000001SCR", amount="25.00")])

    chain = {inv.number: inv for inv in Invoice.objects.all()}
    assert chain["40000001"].parent is None
    assert chain["40000001SC"].parent == chain["40000001"]
    assert chain["40000001SCR"].parent == chain["40000001SC"]


def test_invoice_chain_links_children_that_arrived_before_their_root(account):
    upsert_invoices(account=account, records=[invoice("40000002SCR", amount="25.00")])
    assert Invoice.objects.get().parent is None

    upsert_invoices(account=account, records=[invoice("40000002", amount="100.00")])
    chain = {inv.number: inv for inv in Invoice.objects.all()}
    # Only the root is there: the grandchild hangs on it until its own parent shows up.
    assert chain["40000002SCR"].parent == chain["40000002"]

    upsert_invoices(account=account, records=[invoice("40000002SC")])
    chain = {inv.number: inv for inv in Invoice.objects.all()}
    assert chain["40000002SC"].parent == chain["40000002"]
    assert chain["40000002SCR"].parent == chain["40000002SC"]


def test_invoice_chain_does_not_cross_accounts(account, other_account):
    upsert_invoices(account=other_account, records=[invoice("40000003", amount="100.00")])
    upsert_invoices(account=account, records=[invoice("40000003SC")])

    assert Invoice.objects.get(account=account).parent is None


def test_chargebacks_create_update_unchanged_with_history(account):
    created = upsert_chargebacks(account=account, records=[chargeback(), chargeback("10000000002")])
    assert (created.created, created.updated) == (2, 0)
    assert sorted(created.created_ids) == sorted(Chargeback.objects.values_list("id", flat=True))
    first = Chargeback.objects.get(amazon_id="10000000001")
    assert first.po_number_normalized == "2JK3S9VC"
    assert first.history.count() == 1
    assert first.history.get().history_change_reason == "Synced from Amazon"

    again = upsert_chargebacks(account=account, records=[chargeback(), chargeback("10000000002")])
    assert (again.created, again.updated, again.unchanged, again.changed_ids) == (0, 0, 2, [])
    assert first.history.count() == 1

    changed = upsert_chargebacks(account=account, records=[chargeback(amount="40.00", amazon_status="Waived")])
    assert (changed.updated, changed.changed_ids) == (1, [first.pk])
    first.refresh_from_db()
    assert first.amount == Decimal("40.00")
    assert first.history.count() == 2
    latest = first.history.first()
    assert latest.history_type == "~"
    assert latest.amount == Decimal("40.00")
    assert latest.amazon_status == "Waived"


def test_chargeback_update_writes_only_fact_fields(account, monkeypatch):
    upsert_chargebacks(account=account, records=[chargeback()])
    captured = {}
    import refunds.services.ingest as ingest

    real = ingest.bulk_update_with_history

    def spy(objs, model, fields, **kwargs):
        captured["fields"] = fields
        return real(objs, model, fields, **kwargs)

    monkeypatch.setattr(ingest, "bulk_update_with_history", spy)
    # The ORM path (SQLite's, forced here on PostgreSQL); tests/refunds/test_ingest_pg.py covers the fast path.
    upsert_chargebacks(account=account, records=[chargeback(description="Re-issued")], fast_path=False)

    assert set(captured["fields"]) == {*CHARGEBACK_FACT_FIELDS, "updated_at"}


def test_chargeback_negative_amount_and_currency_are_rejected(account):
    result = upsert_chargebacks(
        account=account, records=[chargeback(amount="-1.00"), chargeback("10000000009", currency="CAD")]
    )

    assert result.rejected == 2
    assert {(e.key, e.field) for e in result.errors} == {("10000000001", "amount"), ("10000000009", "currency")}
    assert not Chargeback.objects.exists()
    assert not Chargeback.history.exists()


def test_unknown_choice_and_overlong_text_are_rejected(account):
    result = upsert_purchase_orders(
        account=account, records=[purchase_order(state="Shipped"), purchase_order("X" * 40)]
    )

    assert result.rejected == 2
    assert {e.field for e in result.errors} == {"state", "number"}


def test_documents_created_or_changed_name_their_pos_and_invoices(account):
    """What matching re-runs deductions for: the numbers new or changed documents name, not unchanged ones."""
    po = purchase_order("PO-A")
    assert upsert_purchase_orders(account=account, records=[po]).po_numbers == {"PO-A"}
    assert upsert_purchase_orders(account=account, records=[po]).po_numbers == set(), "unchanged names nothing"
    changed = upsert_purchase_orders(account=account, records=[replace(po, state="Closed")])
    assert (changed.updated, changed.po_numbers) == (1, {"PO-A"})

    asn = ShipmentRecord(
        shipment_id="4000123",
        items=[ShipmentItemRecord(item_sequence_number="1", shipped_quantity=5, po_number="PO-B")],
    )
    shipments = upsert_shipments(account=account, records=[asn])
    assert (shipments.po_numbers, shipments.invoice_numbers) == ({"PO-B"}, {"4000123"})

    line = InvoiceLineRecord(
        line_number=1, quantity=1, unit_cost=Decimal("1.00"), amount=Decimal("1.00"), currency="USD", po_number="PO-D"
    )
    invoices = upsert_invoices(account=account, records=[invoice("4000123", amount="1.00", lines=[line])])
    assert (invoices.po_numbers, invoices.invoice_numbers) == ({"2JK3S9VC", "PO-D"}, {"4000123"})

    payment = RemittanceRecord(
        payment_number="P-9",
        payment_date=date(2026, 10, 1),
        amount=Decimal("5.00"),
        currency="USD",
        lines=[
            RemittanceLineRecord(line_number=1, invoice_number="4000123", amount=Decimal("1.00"), currency="USD"),
            RemittanceLineRecord(line_number=2, invoice_number="10000000001R", amount=Decimal("4.00"), currency="USD"),
        ],
    )
    remittances = upsert_remittances(account=account, records=[payment])
    assert (remittances.po_numbers, remittances.invoice_numbers) == (set(), {"4000123", "10000000001R"})
    assert upsert_remittances(account=account, records=[payment]).invoice_numbers == set()
