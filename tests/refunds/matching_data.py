"""Hand-made Vendor Central documents for the matching tests: one PO, its ASN, invoice and claims."""

from datetime import UTC, date, datetime
from decimal import Decimal

from refunds.choices import DeductionFamily, QuantityUnit
from refunds.models import (
    Carton,
    Chargeback,
    Invoice,
    InvoiceLine,
    ProofOfDelivery,
    PurchaseOrder,
    PurchaseOrderItem,
    Remittance,
    RemittanceLine,
    Shipment,
    ShipmentItem,
)

ASIN = "B07XYZ1234"
# A fixed "now" for verdicts: 2026-03-20 noon UTC (the 20th in every marketplace).
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


def at(day: str, hour: int = 15) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00+00:00")


def make_po(
    account,
    number="2JK3S9VC",
    *,
    ordered=120,
    received=96,
    net_cost="10.00",
    unit=QuantityUnit.EACHES,
    unit_size=1,
    accepted=None,
    window=("2026-01-05", "2026-01-12"),
):
    po = PurchaseOrder.objects.create(
        account=account,
        number=number,
        state="Closed",
        ordered_at=at("2026-01-01"),
        delivery_window_start=at(window[0], 8),
        delivery_window_end=at(window[1], 8),
        ship_window_start=at(window[0], 8),
        ship_window_end=at(window[1], 8),
    )
    PurchaseOrderItem.objects.create(
        purchase_order=po,
        item_sequence_number="1",
        asin=ASIN,
        ordered_quantity=ordered,
        ordered_unit=unit,
        unit_size=unit_size,
        accepted_quantity=accepted if accepted is not None else ordered,
        net_cost=Decimal(net_cost),
        currency=account.currency,
        received_quantity=received,
        last_received_at=at("2026-01-09") if received is not None else None,
    )
    return po


def make_shipment(
    account,
    po_number="2JK3S9VC",
    *,
    shipped=120,
    shipment_id="4411",
    delivered="2026-01-08",
    bol="BOL778",
    asn_sent="2026-01-06",
    cartons=10,
    labelled=True,
    shipped_on="2026-01-06",
    pod_signed=True,
    pod_cartons=None,
):
    """An ASN with its cartons and, when `delivered` and `bol` are given, the carrier's POD for it
    (signed unless `pod_signed=False`, every carton delivered unless `pod_cartons` says fewer)."""
    shipment = Shipment.objects.create(
        account=account,
        shipment_id=shipment_id,
        bill_of_lading=bol,
        ship_to_party="ABE8",
        asn_sent_at=at(asn_sent, 9) if asn_sent else None,
        shipped_at=at(shipped_on, 12),
        delivered_at=at(delivered, 14) if delivered else None,
        carton_count=cartons,
    )
    ShipmentItem.objects.create(
        shipment=shipment, item_sequence_number="1", po_number=po_number, asin=ASIN, shipped_quantity=shipped
    )
    if delivered and bol:
        ProofOfDelivery.objects.create(
            account=account,
            shipment_id=shipment_id,
            kind="BOL",
            signed=pod_signed,
            signed_by="ABE8 receiving" if pod_signed else "",
            delivered_at=at(delivered, 14),
            cartons_delivered=cartons if pod_cartons is None else pod_cartons,
            po_numbers=[po_number],
            bill_of_lading=bol,
        )
    per_carton = shipped // cartons if cartons else 0
    for n in range(cartons):
        Carton.objects.create(
            shipment=shipment,
            sequence_number=n + 1,
            identifier_type="SSCC" if labelled else "",
            identifier=f"{n + 1:018d}" if labelled else "",
            contents=[{"item_sequence_number": "1", "quantity": per_carton}],
        )
    return shipment


def make_invoice(
    account,
    number="INV1001",
    po_number="2JK3S9VC",
    *,
    quantity=120,
    unit_cost="10.00",
    invoice_date=date(2026, 1, 10),
    due_date=date(2026, 2, 9),
    currency=None,
):
    currency = currency or account.currency
    invoice = Invoice.objects.create(
        account=account,
        number=number,
        invoice_date=invoice_date,
        due_date=due_date,
        po_number=po_number,
        amount=Decimal(unit_cost) * quantity,
        currency=currency,
    )
    InvoiceLine.objects.create(
        invoice=invoice,
        line_number=1,
        po_number=po_number,
        asin=ASIN,
        quantity=quantity,
        unit_cost=Decimal(unit_cost),
        amount=Decimal(unit_cost) * quantity,
        currency=currency,
    )
    return invoice


def make_chargeback(
    account,
    amazon_id="INV1001SC",
    *,
    family=DeductionFamily.SHORTAGE,
    deduction_type="shortage",
    amount="240.00",
    quantity=24,
    issue_date=date(2026, 2, 4),
    po_number="2JK3S9VC",
    invoice_number="INV1001",
    currency=None,
    **extra,
):
    return Chargeback.objects.create(
        account=account,
        amazon_id=amazon_id,
        family=family,
        deduction_type=deduction_type,
        amount=Decimal(amount),
        currency=currency or account.currency,
        quantity=quantity,
        issue_date=issue_date,
        po_number=po_number,
        asin=ASIN,
        invoice_number=invoice_number,
        **extra,
    )


def make_remittance_line(account, invoice_number, amount, *, payment="PAY-1", payment_date=date(2026, 3, 1)):
    remittance, _ = Remittance.objects.get_or_create(
        account=account,
        payment_number=payment,
        defaults={"payment_date": payment_date, "amount": Decimal(0), "currency": account.currency},
    )
    return RemittanceLine.objects.create(
        remittance=remittance,
        line_number=remittance.lines.count() + 1,
        invoice_number=invoice_number,
        amount=Decimal(amount),
        currency=account.currency,
    )
