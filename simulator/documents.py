"""Render a planned order into the records Vendor Central would show today: PO, ASNs, invoices.

Only what has happened is shown: a shipment still on its way has no delivery date, Amazon may still
be receiving (a partial receipt), an invoice not yet due is unpaid.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from math import ceil

from acorn_portal.money import quantize
from refunds.choices import InvoiceType, PurchaseOrderState, PurchaseOrderType, ReceiveStatus, ShipmentType
from refunds.services.records import (
    CartonRecord,
    InvoiceLineRecord,
    InvoiceRecord,
    PurchaseOrderItemRecord,
    PurchaseOrderRecord,
    ShipmentItemRecord,
    ShipmentRecord,
)
from simulator.catalog import AccountSpec
from simulator.orders import Clock, Line, Order, Shipment, happened, payment_day
from simulator.remittances import Entry

SMALL_PARCEL_MAX_CARTONS = 6
LTL_MAX_CARTONS = 60
CARTONS_PER_PALLET = 24
END_OF_DAY = 24 * 60 - 1


def shipped_at(shipment: Shipment, clock: Clock) -> datetime:
    return clock.at(shipment.ship_day, shipment.ship_minute)


def delivered_at(shipment: Shipment, clock: Clock) -> datetime:
    return clock.at(shipment.delivered_day, shipment.delivered_minute)


def asn_sent_at(shipment: Shipment, clock: Clock) -> datetime:
    if shipment.asn_late:
        return clock.at(shipment.delivered_day, shipment.delivered_minute + shipment.asn_offset)
    return clock.at(shipment.ship_day, shipment.ship_minute - shipment.asn_offset)


def shipment_type(shipment: Shipment) -> str:
    cartons = len(shipment.cartons)
    if cartons <= SMALL_PARCEL_MAX_CARTONS:
        return ShipmentType.SMALL_PARCEL
    return ShipmentType.LTL if cartons <= LTL_MAX_CARTONS else ShipmentType.TRUCKLOAD


def visible_received(line: Line) -> int | None:
    """What Amazon reports as received today: nothing before delivery, half while still receiving."""
    shipment = line.shipment
    if not happened(shipment.delivered_day):
        return None
    return line.received if happened(shipment.receipt_day) else line.received // 2


def render_purchase_order(order: Order, account: AccountSpec, clock: Clock) -> PurchaseOrderRecord:
    ordered_at = clock.at(order.ordered_day, order.ordered_minute)
    closed = all(happened(s.receipt_day) for s in order.shipments)
    if closed:
        state = PurchaseOrderState.CLOSED
    else:
        state = PurchaseOrderState.ACKNOWLEDGED if happened(order.ordered_day + 1) else PurchaseOrderState.NEW
    return PurchaseOrderRecord(
        number=order.number,
        state=state,
        order_type=PurchaseOrderType.REGULAR,
        ordered_at=ordered_at,
        ship_window_start=clock.at(order.ship_window_start, 0),
        ship_window_end=clock.at(order.ship_window_end, END_OF_DAY),
        delivery_window_start=clock.at(order.delivery_window_start, 0),
        delivery_window_end=clock.at(order.delivery_window_end, END_OF_DAY),
        selling_party=account.vendor_code,
        buying_party="AMAZON",
        ship_to_party=order.fc,
        payment_method="Invoice",
        items=[_render_item(item, account, clock) for item in order.items],
    )


def _render_item(item, account: AccountSpec, clock: Clock) -> PurchaseOrderItemRecord:
    seen = [(line, visible_received(line)) for line in item.lines]
    seen = [(line, quantity) for line, quantity in seen if quantity is not None]
    received = sum(quantity for _, quantity in seen) if seen else None
    if received is None:
        status = ReceiveStatus.NOT_RECEIVED
    elif received >= item.accepted and all(happened(line.shipment.receipt_day) for line in item.lines):
        status = ReceiveStatus.RECEIVED
    else:
        status = ReceiveStatus.PARTIALLY_RECEIVED
    last = max((line.shipment for line, _ in seen), key=lambda s: s.delivered_day, default=None)
    return PurchaseOrderItemRecord(
        item_sequence_number=item.seq,
        asin=item.product.asin,
        vendor_sku=item.product.vendor_sku,
        ordered_quantity=item.ordered,
        ordered_unit=item.unit,
        unit_size=item.unit_size,
        accepted_quantity=item.accepted,
        net_cost=item.net_cost,
        currency=account.currency,
        list_price=quantize(item.net_cost * Decimal("1.6"), account.currency),
        receive_status=status,
        received_quantity=received,
        last_received_at=None if last is None else clock.at(min(last.receipt_day, -1), 14 * 60),
    )


def render_shipment(shipment: Shipment, clock: Clock) -> ShipmentRecord:
    kind = shipment_type(shipment)
    delivered = happened(shipment.delivered_day)
    if happened(shipment.receipt_day):
        status = "Closed"
    else:
        status = "Receiving" if delivered else "InTransit"
    return ShipmentRecord(
        shipment_id=shipment.shipment_id,
        shipment_type=kind,
        status=status,
        amazon_reference_number=shipment.arn,
        bill_of_lading=shipment.bill_of_lading,
        pro_number="" if kind == ShipmentType.SMALL_PARCEL else shipment.pro_number,
        carrier_scac=shipment.carrier[0],
        carrier_name=shipment.carrier[1],
        ship_from_party="WH1",
        ship_to_party=shipment.order.fc,
        asn_sent_at=asn_sent_at(shipment, clock),
        shipped_at=shipped_at(shipment, clock),
        estimated_delivery_at=clock.at(shipment.ship_day + shipment.transit, 9 * 60),
        delivered_at=delivered_at(shipment, clock) if delivered else None,
        carton_count=len(shipment.cartons),
        pallet_count=None if kind == ShipmentType.SMALL_PARCEL else ceil(len(shipment.cartons) / CARTONS_PER_PALLET),
        items=[_shipment_item(line) for line in shipment.lines],
        cartons=[
            CartonRecord(
                sequence_number=carton.seq,
                identifier_type=carton.identifier_type,
                identifier=carton.identifier,
                tracking_number=carton.tracking,
                contents=[{"item_sequence_number": str(carton.line.seq), "quantity": carton.quantity}],
            )
            for carton in shipment.cartons
        ],
    )


def _shipment_item(line: Line) -> ShipmentItemRecord:
    return ShipmentItemRecord(
        item_sequence_number=str(line.seq),
        po_number=line.shipment.order.number,
        asin=line.item.product.asin,
        vendor_sku=line.item.product.vendor_sku,
        shipped_quantity=line.shipped,
        unit=line.item.unit,
        unit_size=line.item.unit_size,
    )


def render_invoices(
    shipment: Shipment, account: AccountSpec, clock: Clock, shortages: list
) -> Iterator[InvoiceRecord | Entry]:
    """The vendor's invoice for a shipment, Amazon's `…SC` shortage claim and `…SCR` reversal if any.

    `shortages` are the shortage slots on this shipment's lines. Yields invoices and the payment
    entries that settle them.
    """
    number, due = shipment.invoice_number, shipment.due_day
    currency = account.currency
    lines = [
        _invoice_line(n, line, line.invoiced, line.unit_cost, currency) for n, line in enumerate(shipment.lines, 1)
    ]
    invoice = _invoice(number, shipment, shipment.ship_day, due, lines, clock, InvoiceType.INVOICE)
    invoice.status = "Paid" if happened(payment_day(due)) else "Pending payment"
    yield invoice
    yield Entry(due, number, shipment.ship_day, invoice.amount, "Invoice")
    if shortages:
        claim_day = shortages[0].params["issue_day"]
        claimed = [(slot.target, -slot.params["claimed"]) for slot in shortages]
        sc_lines = [_invoice_line(n, line, qty, line.unit_cost, currency) for n, (line, qty) in enumerate(claimed, 1)]
        claim = _invoice(number + "SC", shipment, claim_day, due, sc_lines, clock, InvoiceType.CREDIT_NOTE)
        claim.status = "Deducted" if happened(payment_day(due)) else "Open"
        yield claim
        yield Entry(due, claim.number, claim_day, claim.amount, "Shortage claim")
    reversed_slots = [slot for slot in shortages if slot.params.get("reversed_day") is not None]
    if reversed_slots:
        day = max(slot.params["reversed_day"] for slot in reversed_slots)
        credits = [(slot.target, slot.params["claimed"]) for slot in reversed_slots]
        scr_lines = [_invoice_line(n, line, qty, line.unit_cost, currency) for n, (line, qty) in enumerate(credits, 1)]
        reversal = _invoice(number + "SCR", shipment, day, due, scr_lines, clock, InvoiceType.INVOICE)
        reversal.status = "Paid" if happened(payment_day(day)) else "Approved"
        yield reversal
        yield Entry(day, reversal.number, day, reversal.amount, "Shortage claim reversal")


def _invoice_line(n: int, line: Line, quantity: int, unit_cost: Decimal, currency: str) -> InvoiceLineRecord:
    return InvoiceLineRecord(
        line_number=n,
        po_number=line.shipment.order.number,
        asin=line.item.product.asin,
        vendor_sku=line.item.product.vendor_sku,
        quantity=quantity,
        unit_cost=unit_cost,
        amount=quantize(unit_cost * quantity, currency),
        currency=currency,
    )


def _invoice(number, shipment, day, due, lines, clock, invoice_type) -> InvoiceRecord:
    return InvoiceRecord(
        number=number,
        invoice_type=invoice_type,
        invoice_date=clock.date(day),
        due_date=clock.date(due),
        po_number=shipment.order.number,
        amount=sum((line.amount for line in lines), Decimal(0)),
        currency=lines[0].currency,
        lines=lines,
    )
