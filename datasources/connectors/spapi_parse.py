"""SP-API Vendor Retail Procurement payloads → ingest records (no HTTP, no ORM).

Shapes follow Amazon's models (docs/AMAZON.md, § spapi) and are tested against Amazon's own example
payloads (simulator/spapi_examples/). Amazon quirks handled here:
- dates come with `Z`, with an offset, or (GetShipmentDetails examples) with neither: naive means UTC;
- ship and delivery windows are one string `start--end`;
- the model's enum says `PARTIALLY_RECEIVED`, its documentation table `PARTIALLY_RECEIVE`;
- `deliveryWindow` and `items` sit in `orderDetails`, but one official example has them on the order itself.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from datasources.connectors.base import ConnectorError
from refunds.choices import ReceiveStatus
from refunds.services.records import (
    CartonRecord,
    PurchaseOrderItemRecord,
    PurchaseOrderRecord,
    ShipmentItemRecord,
    ShipmentRecord,
)

_RECEIVE_STATUS = {
    "NOT_RECEIVED": ReceiveStatus.NOT_RECEIVED,
    "PARTIALLY_RECEIVED": ReceiveStatus.PARTIALLY_RECEIVED,
    "PARTIALLY_RECEIVE": ReceiveStatus.PARTIALLY_RECEIVED,
    "RECEIVED": ReceiveStatus.RECEIVED,
}


def parse_datetime(value) -> datetime | None:
    """An ISO 8601 timestamp as an aware datetime; Amazon's offset-less ones are UTC."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise ConnectorError(f"Unreadable timestamp {value!r}.", permanent=True) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_window(value) -> tuple[datetime | None, datetime | None]:
    """Amazon's `start--end` window string."""
    if not value or "--" not in str(value):
        return None, None
    start, end = str(value).split("--", 1)
    return parse_datetime(start.strip()), parse_datetime(end.strip())


def parse_decimal(value) -> Decimal | None:
    """Money amounts are strings in SP-API; never go through float."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ConnectorError(f"Unreadable amount {value!r}.", permanent=True) from None


def _party(value) -> str:
    return (value or {}).get("partyId", "") if isinstance(value, dict) else ""


def _amount(quantity) -> int | None:
    if not isinstance(quantity, dict) or quantity.get("amount") is None:
        return None
    return int(quantity["amount"])


def _eaches(quantity) -> int | None:
    """An ItemQuantity in eaches: `Cases` count `unitSize` eaches each (7 cases of 6 are 42)."""
    amount = _amount(quantity)
    if amount is None or quantity.get("unitOfMeasure") != "Cases":
        return amount
    return amount * int(quantity.get("unitSize") or 1)


def _case_unit(quantity: dict) -> dict:
    """Receipts reported in cases keep their unit beside the eaches; eaches need no note."""
    if quantity.get("unitOfMeasure") != "Cases":
        return {}
    return {"received_unit": "Cases", "received_unit_size": int(quantity.get("unitSize") or 1)}


def parse_status_items(status: dict) -> dict[str, dict]:
    """getPurchaseOrdersStatus `OrderStatus` → per item sequence number, the fields it adds to a PO item.

    Quantities are stored in eaches; the unit Amazon reported receipts in is kept beside them.
    """
    items = {}
    for item in status.get("itemStatus") or []:
        acknowledgement = item.get("acknowledgementStatus") or {}
        receiving = item.get("receivingStatus") or {}
        received = receiving.get("receivedQuantity")
        received = received if isinstance(received, dict) else {}
        items[str(item.get("itemSequenceNumber", ""))] = {
            "accepted_quantity": _eaches(acknowledgement.get("acceptedQuantity")),
            "receive_status": _RECEIVE_STATUS.get(receiving.get("receiveStatus") or "", ""),
            "received_quantity": _eaches(received),
            **_case_unit(received),
            "last_received_at": parse_datetime(receiving.get("lastReceiveDate")),
        }
    return items


def parse_order(order: dict, *, status: dict | None = None, currency: str = "") -> PurchaseOrderRecord:
    """getPurchaseOrders / getPurchaseOrder `Order`, with the PO's `OrderStatus` when known."""
    try:
        details = order.get("orderDetails") or {}
        ship_start, ship_end = parse_window(details.get("shipWindow") or order.get("shipWindow"))
        delivery_start, delivery_end = parse_window(details.get("deliveryWindow") or order.get("deliveryWindow"))
        received = parse_status_items(status) if status else {}
        return PurchaseOrderRecord(
            number=order["purchaseOrderNumber"],
            state=order.get("purchaseOrderState", ""),
            ordered_at=parse_datetime(details.get("purchaseOrderDate")),
            order_type=details.get("purchaseOrderType", ""),
            changed_at=parse_datetime(details.get("purchaseOrderChangedDate")),
            state_changed_at=parse_datetime(details.get("purchaseOrderStateChangedDate")),
            ship_window_start=ship_start,
            ship_window_end=ship_end,
            delivery_window_start=delivery_start,
            delivery_window_end=delivery_end,
            selling_party=_party(details.get("sellingParty")),
            buying_party=_party(details.get("buyingParty")),
            ship_to_party=_party(details.get("shipToParty")),
            payment_method=details.get("paymentMethod", ""),
            deal_code=details.get("dealCode", ""),
            items=[_order_item(item, received, currency) for item in details.get("items") or order.get("items") or []],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConnectorError(f"Unreadable purchase order: {exc!r}", permanent=True) from exc


def _order_item(item: dict, received: dict[str, dict], currency: str) -> PurchaseOrderItemRecord:
    ordered = item.get("orderedQuantity") or {}
    net_cost = item.get("netCost") or {}
    list_price = item.get("listPrice") or {}
    seq = str(item["itemSequenceNumber"])
    return PurchaseOrderItemRecord(
        item_sequence_number=seq,
        asin=item.get("amazonProductIdentifier", ""),
        vendor_sku=item.get("vendorProductIdentifier", ""),
        ordered_quantity=int(ordered.get("amount", 0)),
        ordered_unit=ordered.get("unitOfMeasure") or "Eaches",
        unit_size=int(ordered.get("unitSize") or 1),
        net_cost=parse_decimal(net_cost.get("amount")),
        currency=net_cost.get("currencyCode") or currency,
        list_price=parse_decimal(list_price.get("amount")),
        **received.get(seq, {}),
    )


def parse_shipment(shipment: dict) -> ShipmentRecord:
    """GetShipmentDetails `Shipment` → a shipment with its items (per PO) and cartons."""
    try:
        transport = shipment.get("transportationDetails") or {}
        carrier = transport.get("carrierDetails") or {}
        measurements = shipment.get("shipmentMeasurements") or {}
        return ShipmentRecord(
            shipment_id=shipment["vendorShipmentIdentifier"],
            shipment_type=transport.get("shipMode", ""),
            status=shipment.get("currentShipmentStatus", ""),
            amazon_reference_number=shipment.get("buyerReferenceNumber", ""),
            bill_of_lading=transport.get("billOfLadingNumber", ""),
            pro_number=carrier.get("shipmentReferenceNumber", ""),
            carrier_scac=carrier.get("code", ""),
            carrier_name=carrier.get("name", ""),
            ship_from_party=_party(shipment.get("shipFromParty")),
            ship_to_party=_party(shipment.get("shipToParty")),
            asn_sent_at=parse_datetime(shipment.get("shipmentConfirmDate")),
            shipped_at=parse_datetime(transport.get("shippedDate")),
            estimated_delivery_at=parse_datetime(transport.get("estimatedDeliveryDate")),
            delivered_at=parse_datetime(transport.get("shipmentDeliveryDate")),
            carton_count=measurements.get("totalCartonCount"),
            pallet_count=_pallets(measurements),
            items=[
                _shipment_item(item, po.get("purchaseOrderNumber", ""))
                for po in shipment.get("purchaseOrders") or []
                for item in po.get("items") or []
            ],
            cartons=[_carton(c) for c in shipment.get("containers") or [] if c.get("containerType") == "carton"],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConnectorError(f"Unreadable shipment: {exc!r}", permanent=True) from exc


def _pallets(measurements: dict) -> int | None:
    counts = [measurements.get(name) for name in ("totalPalletStackable", "totalPalletNonStackable")]
    counts = [int(count) for count in counts if count is not None]
    return sum(counts) if counts else None


def _shipment_item(item: dict, po_number: str) -> ShipmentItemRecord:
    shipped = item.get("shippedQuantity") or {}
    return ShipmentItemRecord(
        item_sequence_number=str(item["itemSequenceNumber"]),
        po_number=po_number,
        asin=item.get("buyerProductIdentifier", ""),
        vendor_sku=item.get("vendorProductIdentifier", ""),
        shipped_quantity=int(shipped.get("amount", 0)),
        unit=shipped.get("unitOfMeasure") or "Eaches",
        unit_size=int(shipped.get("unitSize") or 1),
    )


def _carton(container: dict) -> CartonRecord:
    identifiers = container.get("containerIdentifiers") or [{}]
    return CartonRecord(
        sequence_number=int(container["containerSequenceNumber"]),
        identifier_type=identifiers[0].get("containerIdentificationType", ""),
        identifier=identifiers[0].get("containerIdentificationNumber", ""),
        tracking_number=container.get("trackingNumber", ""),
        contents=[
            {"item_sequence_number": str(packed["itemSequenceNumber"]), "quantity": _amount(packed["packedQuantity"])}
            for packed in container.get("packedItems") or []
            # Amazon's own example nests a pallet among a carton's packed items: not an item, skipped.
            if "itemSequenceNumber" in packed
        ],
    )
