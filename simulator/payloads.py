"""The simulator's records rendered the way the remote services print them.

SP-API shapes follow Amazon's models and example payloads (spapi_examples/): `Order`,
`OrderStatus`, GetShipmentDetails' `Shipment`; timestamps in UTC with `Z`, amounts as strings.
The data feed speaks the format the data-feed connector's default mapping describes
(`DEFAULT_KINDS`); report files are CSV with Vendor Central-like headers (docs/AMAZON.md, § formats).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

from datasources.connectors.data_feed import DEFAULT_KINDS


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _drop_empty(mapping: dict) -> dict:
    """Amazon leaves optional fields out rather than sending empty ones."""
    return {k: v for k, v in mapping.items() if v not in (None, "", {}, [])}


def _party(party_id: str) -> dict | None:
    return {"partyId": party_id} if party_id else None


def _money(amount: Decimal | None, currency: str) -> dict | None:
    return None if amount is None else {"currencyCode": currency, "amount": str(amount)}


def _window(start, end) -> str | None:
    return f"{iso(start)}--{iso(end)}" if start and end else None


def _quantity(amount: int | None, unit: str = "Eaches", size: int = 1) -> dict | None:
    return None if amount is None else {"amount": amount, "unitOfMeasure": unit, "unitSize": size}


def order_json(po) -> dict:
    """A PurchaseOrderRecord as getPurchaseOrders' `Order`."""
    details = {
        "purchaseOrderDate": iso(po.ordered_at),
        "purchaseOrderChangedDate": iso(po.changed_at),
        "purchaseOrderStateChangedDate": iso(po.state_changed_at),
        "purchaseOrderType": po.order_type,
        "dealCode": po.deal_code,
        "paymentMethod": po.payment_method,
        "buyingParty": _party(po.buying_party),
        "sellingParty": _party(po.selling_party),
        "shipToParty": _party(po.ship_to_party),
        "shipWindow": _window(po.ship_window_start, po.ship_window_end),
        "deliveryWindow": _window(po.delivery_window_start, po.delivery_window_end),
        "items": [
            _drop_empty(
                {
                    "itemSequenceNumber": item.item_sequence_number,
                    "amazonProductIdentifier": item.asin,
                    "vendorProductIdentifier": item.vendor_sku,
                    "orderedQuantity": _quantity(item.ordered_quantity, item.ordered_unit, item.unit_size),
                    "isBackOrderAllowed": False,
                    "netCost": _money(item.net_cost, item.currency),
                    "listPrice": _money(item.list_price, item.currency),
                }
            )
            for item in po.items
        ],
    }
    return {"purchaseOrderNumber": po.number, "purchaseOrderState": po.state, "orderDetails": _drop_empty(details)}


def order_status_json(po) -> dict:
    """A PurchaseOrderRecord as getPurchaseOrdersStatus' `OrderStatus` (acknowledged and received quantities)."""
    return _drop_empty(
        {
            "purchaseOrderNumber": po.number,
            "purchaseOrderStatus": "CLOSED" if po.state == "Closed" else "OPEN",
            "purchaseOrderDate": iso(po.ordered_at),
            "lastUpdatedDate": iso(po.changed_at or po.ordered_at),
            "sellingParty": _party(po.selling_party),
            "shipToParty": _party(po.ship_to_party),
            "itemStatus": [_item_status(item) for item in po.items],
        }
    )


def _item_status(item) -> dict:
    accepted = item.accepted_quantity
    unit, size = item.ordered_unit, item.unit_size
    acknowledgement = {}
    if accepted is not None:
        acknowledgement = {
            "confirmationStatus": "ACCEPTED" if accepted >= item.ordered_quantity else "PARTIALLY_ACCEPTED",
            "acceptedQuantity": _quantity(accepted, unit, size),
            "rejectedQuantity": _quantity(max(0, item.ordered_quantity - accepted), unit, size),
        }
    receiving = {
        "receiveStatus": item.receive_status,
        "receivedQuantity": _quantity(item.received_quantity, unit, size),
        "lastReceiveDate": iso(item.last_received_at),
    }
    return _drop_empty(
        {
            "itemSequenceNumber": item.item_sequence_number,
            "buyerProductIdentifier": item.asin,
            "vendorProductIdentifier": item.vendor_sku,
            "netCost": _money(item.net_cost, item.currency),
            "listPrice": _money(item.list_price, item.currency),
            "orderedQuantity": {"orderedQuantity": _quantity(item.ordered_quantity, unit, size)},
            "acknowledgementStatus": acknowledgement,
            "receivingStatus": _drop_empty(receiving),
        }
    )


def shipment_json(shipment, *, vendor_code: str) -> dict:
    """A ShipmentRecord as GetShipmentDetails' `Shipment`."""
    by_po: dict[str, list] = {}
    for item in shipment.items:
        by_po.setdefault(item.po_number, []).append(
            {
                "itemSequenceNumber": item.item_sequence_number,
                "buyerProductIdentifier": item.asin,
                "vendorProductIdentifier": item.vendor_sku,
                "shippedQuantity": _quantity(item.shipped_quantity, item.unit, item.unit_size),
            }
        )
    return _drop_empty(
        {
            "vendorShipmentIdentifier": shipment.shipment_id,
            "transactionType": "New",
            "buyerReferenceNumber": shipment.amazon_reference_number,
            "currentShipmentStatus": shipment.status,
            "shipmentCreateDate": iso(shipment.shipped_at),
            "shipmentConfirmDate": iso(shipment.asn_sent_at),
            "sellingParty": _party(vendor_code),
            "shipFromParty": _party(shipment.ship_from_party),
            "shipToParty": _party(shipment.ship_to_party),
            "shipmentMeasurements": _drop_empty(
                {"totalCartonCount": shipment.carton_count, "totalPalletStackable": shipment.pallet_count}
            ),
            "transportationDetails": _transport(shipment),
            "purchaseOrders": [{"purchaseOrderNumber": po, "items": items} for po, items in by_po.items()],
            "containers": [_container(carton) for carton in shipment.cartons],
        }
    )


def _transport(shipment) -> dict:
    carrier = _drop_empty(
        {"name": shipment.carrier_name, "code": shipment.carrier_scac, "shipmentReferenceNumber": shipment.pro_number}
    )
    return _drop_empty(
        {
            "shipMode": shipment.shipment_type,
            "transportationMode": "Road",
            "shippedDate": iso(shipment.shipped_at),
            "estimatedDeliveryDate": iso(shipment.estimated_delivery_at),
            "shipmentDeliveryDate": iso(shipment.delivered_at),
            "carrierDetails": carrier,
            "billOfLadingNumber": shipment.bill_of_lading,
        }
    )


def _container(carton) -> dict:
    return _drop_empty(
        {
            "containerType": "carton",
            "containerSequenceNumber": str(carton.sequence_number),
            "containerIdentifiers": [
                {
                    "containerIdentificationType": carton.identifier_type,
                    "containerIdentificationNumber": carton.identifier,
                }
            ],
            "trackingNumber": carton.tracking_number,
            "packedItems": [
                {
                    "itemSequenceNumber": entry["item_sequence_number"],
                    "packedQuantity": {"amount": entry["quantity"], "unitOfMeasure": "Eaches"},
                }
                for entry in carton.contents
            ],
        }
    )


# The data feed


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _put(target: dict, path: str, value) -> None:
    *parents, last = path.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = _plain(value)


def _mapped(record, fields: dict[str, str]) -> dict:
    item: dict = {}
    for name, path in fields.items():
        _put(item, path, getattr(record, name))
    return item


def feed_json(kind: str, record) -> dict:
    """A record as the feed prints it: the connector's default mapping, read backwards."""
    mapping = DEFAULT_KINDS[kind]
    item = _mapped(record, mapping["fields"])
    if mapping.get("lines"):
        lines = mapping["lines"]
        _put(item, lines["source"], [_mapped(line, lines["fields"]) for line in record.lines])
    return item


# Report files

REPORT_COLUMNS = {
    "chargebacks": [
        ("Issue ID", "amazon_id"),
        ("Family", "family"),
        ("Type", "deduction_type"),
        ("Sub-type", "sub_type"),
        ("PO", "po_number"),
        ("ASIN", "asin"),
        ("Invoice Number", "invoice_number"),
        ("Quantity", "quantity"),
        ("Amount", "amount"),
        ("Currency", "currency"),
        ("Issue Date", "issue_date"),
        ("Status", "amazon_status"),
        ("Dispute ID", "amazon_dispute_id"),
        ("Notes", "description"),
    ],
    "invoices": [
        ("Invoice Number", "number"),
        ("Invoice Type", "invoice_type"),
        ("Invoice Date", "invoice_date"),
        ("Payment Due Date", "due_date"),
        ("Invoice Status", "status"),
        ("PO", "po_number"),
        ("Invoice Amount", "amount"),
        ("Currency", "currency"),
    ],
    "invoice_lines": [
        ("Line", "line_number"),
        ("Line PO", "po_number"),
        ("ASIN", "asin"),
        ("Vendor SKU", "vendor_sku"),
        ("Quantity", "quantity"),
        ("Unit Cost", "unit_cost"),
        ("Line Amount", "amount"),
    ],
    "remittances": [
        ("Payment Number", "payment_number"),
        ("Payment Date", "payment_date"),
        ("Payment Amount", "amount"),
        ("Currency", "currency"),
        ("Payment Method", "payment_method"),
    ],
    "remittance_lines": [
        ("Line", "line_number"),
        ("Invoice Number", "invoice_number"),
        ("Invoice Date", "invoice_date"),
        ("Description", "description"),
        ("Amount Paid", "amount"),
        ("Discount", "discount"),
    ],
}


def _cells(record, columns) -> list:
    return ["" if getattr(record, attr) is None else _plain(getattr(record, attr)) for _, attr in columns]


def report_csv(kind: str, records: list) -> str:
    """Chargebacks one row each; invoices and remittances one row per line, the header repeated."""
    head = REPORT_COLUMNS[kind]
    line_columns = REPORT_COLUMNS.get(kind.rstrip("s") + "_lines", [])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([title for title, _ in head + line_columns])
    for record in records:
        lines = getattr(record, "lines", None) if line_columns else None
        for line in lines or [None]:
            tail = _cells(line, line_columns) if line is not None else [""] * len(line_columns)
            writer.writerow(_cells(record, head) + tail)
    return out.getvalue()
