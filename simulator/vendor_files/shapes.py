"""The simulated facts printed the way Amazon and a vendor's ERP print them.

SP-API `getPurchaseOrders` / `getPurchaseOrdersStatus` payloads (receipts in Cases where Amazon
received cases), `SubmitShipmentConfirmations` bodies (some lines with only the GTIN, some ASNs
without carton data), carrier PODs/BOLs, `submitInvoices` invoices with their local due date, co-op
agreements, and the four Vendor Central exports in each marketplace's date and number locale
(invoices without a PO column; `SC`/`PC` negative, `SCR` positive; `VCBSINV`/`VCBSINVR` remittance
lines described `… ISSUE ID <id>`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from simulator.vendor_files.facts import Account, Chargeback, Claim, CoopInvoice, Order, VendorWorld

INVOICE_HEADER = [
    "Invoice Number", "Payee", "Invoice Date", "Invoice Creation Date", "Invoice Amount", "Payment Due Date",
    "Invoice Status", "Actual Paid Amount", "Any Deductions",
]  # fmt: skip
CHARGEBACK_HEADER = [
    "Issue ID", "Vendor Code", "PO Number", "ASIN", "Chargeback Type", "Sub Type", "Quantity", "Amount", "Currency",
    "Chargeback Date", "Status", "Notes",
]  # fmt: skip
REMITTANCE_HEADER = [
    "Payment Number", "Payment Date", "Invoice Number", "Invoice Date", "Invoice Amount", "Net Amount Paid",
    "Description",
]  # fmt: skip
COOP_HEADER = [
    "Invoice ID", "Agreement ID", "Agreement Title", "Invoice Date", "Funding Type", "Rate Percent", "Base Amount",
    "Amount", "Currency",
]  # fmt: skip
VC_HEADERS = {
    "invoices": INVOICE_HEADER,
    "chargebacks": CHARGEBACK_HEADER,
    "remittance": REMITTANCE_HEADER,
    "coop": COOP_HEADER,
}
FUNDING_TYPE = "Marketing & Promotion"


# locale


def vc_date(value: date, account: Account) -> str:
    if account.date_format == "MM/DD/YYYY":
        return f"{value:%m/%d/%Y}"
    if account.date_format == "DD.MM.YYYY":
        return f"{value:%d.%m.%Y}"
    return f"{value:%d/%m/%Y}"


def vc_number(value: Decimal, account: Account) -> str:
    text = f"{value:,.2f}"
    if account.number_format == "1.234,56":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return text


def instant(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:00Z")


def _money(amount: Decimal, currency: str, text: str = "") -> dict:
    return {"currencyCode": currency, "amount": text or f"{amount:.2f}"}


def _quantity(amount: int, unit: str = "Eaches", size: int = 1) -> dict:
    return {"amount": amount, "unitOfMeasure": unit, "unitSize": size}


def _window(pair: tuple[datetime, datetime]) -> str:
    return f"{instant(pair[0])}--{instant(pair[1])}"


# SP-API


def purchase_order(order: Order) -> dict:
    account = order.account
    return {
        "purchaseOrderNumber": order.number,
        "purchaseOrderState": "Closed" if order.closed_at else "Acknowledged",
        "orderDetails": {
            "purchaseOrderDate": instant(order.ordered_at),
            "purchaseOrderStateChangedDate": instant(order.closed_at or order.acknowledged_at),
            "purchaseOrderType": order.order_type,
            "paymentMethod": "Invoice",
            "buyingParty": {"partyId": order.fc},
            "sellingParty": {"partyId": account.vendor_code},
            "shipToParty": {"partyId": order.fc},
            "billToParty": {"partyId": order.fc},
            "shipWindow": _window(order.ship_window),
            "deliveryWindow": _window(order.delivery_window),
            "items": [
                {
                    "itemSequenceNumber": str(line.seq),
                    "amazonProductIdentifier": line.product.asin,
                    "vendorProductIdentifier": line.product.gtin,
                    "orderedQuantity": _quantity(line.ordered),
                    "isBackOrderAllowed": False,
                    "netCost": _money(line.po_cost, account.currency),
                    "listPrice": _money(line.po_cost, account.currency),
                }
                for line in order.lines
            ],
        },
    }


def purchase_order_status(order: Order) -> dict:
    account = order.account
    items = []
    for line in order.lines:
        accepted, rejected = _quantity(line.accepted), _quantity(line.ordered - line.accepted)
        if line.received_in_cases:
            size = line.product.case_size
            received = _quantity(line.received // size, "Cases", size)
        else:
            received = _quantity(line.received)
        receipt = (
            "NOT_RECEIVED"
            if not line.received
            else "RECEIVED"
            if line.received >= line.accepted
            else "PARTIALLY_RECEIVED"
        )
        items.append(
            {
                "itemSequenceNumber": str(line.seq),
                "buyerProductIdentifier": line.product.asin,
                "vendorProductIdentifier": line.product.gtin,
                "netCost": _money(line.po_cost, account.currency),
                "listPrice": _money(line.po_cost, account.currency),
                "orderedQuantity": {
                    "orderedQuantity": _quantity(line.ordered),
                    "orderedQuantityDetails": [
                        {"updatedDate": instant(order.ordered_at), "orderedQuantity": _quantity(line.ordered)}
                    ],
                },
                "acknowledgementStatus": {
                    "confirmationStatus": "ACCEPTED" if line.accepted == line.ordered else "PARTIALLY_ACCEPTED",
                    "acceptedQuantity": accepted,
                    "rejectedQuantity": rejected,
                    "acknowledgementStatusDetails": [
                        {
                            "acknowledgementDate": instant(order.acknowledged_at),
                            "acceptedQuantity": accepted,
                            "rejectedQuantity": rejected,
                        }
                    ],
                },
                "receivingStatus": {
                    "receiveStatus": receipt,
                    "receivedQuantity": received,
                    **({"lastReceiveDate": instant(line.last_received_at)} if line.last_received_at else {}),
                },
            }
        )
    return {
        "purchaseOrderNumber": order.number,
        "purchaseOrderStatus": "CLOSED" if order.closed_at else "OPEN",
        "purchaseOrderDate": instant(order.ordered_at),
        "lastUpdatedDate": instant(order.closed_at or order.acknowledged_at),
        "sellingParty": {"partyId": account.vendor_code},
        "shipToParty": {"partyId": order.fc},
        "itemStatus": items,
    }


# the vendor's ERP


def _address(account: Account, name: str) -> dict:
    country = "GB" if account.marketplace == "UK" else account.marketplace
    if account.region == "EU":
        street, city, region, postal = "4 Harbour Road", "Leeds", "West Yorkshire", "LS1 4DY"
    else:
        street, city, region, postal = "1200 Commerce Way", "Reno", "NV", "89502"
    return {"name": name, "addressLine1": street, "city": city, "stateOrRegion": region, "postalCode": postal,
            "countryCode": country}  # fmt: skip


def shipment_confirmation(order: Order) -> dict:
    shipment, account = order.shipment, order.account
    unit = "Kg" if account.region == "EU" or shipment.small_parcel else "Lb"
    lines = {line.seq: line for line in order.lines}
    items = []
    for line in order.lines:
        item = {
            "itemSequenceNumber": f"{line.seq:03d}",
            "amazonProductIdentifier": line.product.asin,
            "vendorProductIdentifier": line.product.gtin,
            "shippedQuantity": _quantity(line.shipped),
            "itemDetails": {"purchaseOrderNumber": order.number},
        }
        if line.gtin_only:
            del item["amazonProductIdentifier"]
        items.append(item)
    transport = {
        "carrierScac": shipment.carrier_scac,
        "carrierShipmentReferenceNumber": shipment.pro_number,
        "transportationMode": "Road",
    }
    if shipment.bill_of_lading:
        transport["billOfLadingNumber"] = shipment.bill_of_lading
    body = {
        "shipmentIdentifier": shipment.identifier,
        "shipmentConfirmationType": "Original",
        "shipmentType": "SmallParcel" if shipment.small_parcel else "LessThanTruckLoad",
        "shipmentStructure": "LooseStandardCase" if shipment.small_parcel else "PalletizedStandardCase",
        "transportationDetails": transport,
        "shipmentConfirmationDate": instant(shipment.confirmed_at),
        "shippedDate": instant(shipment.shipped_at),
        "estimatedDeliveryDate": instant(shipment.estimated_delivery),
        "sellingParty": {"partyId": account.vendor_code},
        "shipFromParty": {"partyId": f"{account.vendor_code}-DC1", "address": _address(account, "Northwind Goods DC")},
        "shipToParty": {"partyId": order.fc},
        "shipmentMeasurements": {
            "grossShipmentWeight": {"unitOfMeasure": unit, "value": f"{4.5 * shipment.carton_count:.2f}"},
            "cartonCount": shipment.carton_count,
            "palletCount": shipment.pallet_count,
        },
        "shippedItems": items,
    }
    if shipment.cartons:
        body["cartons"] = []
        for n, carton in enumerate(shipment.cartons, start=1):
            entry = {
                "cartonIdentifiers": [
                    {"containerIdentificationType": "SSCC", "containerIdentificationNumber": carton.sscc}
                ],
                "cartonSequenceNumber": f"{n:03d}",
                "weight": {"unitOfMeasure": unit, "value": "4.50"},
            }
            if carton.tracking:
                entry["trackingNumber"] = carton.tracking
            entry["items"] = [
                {
                    "itemReference": f"{seq:03d}",
                    "shippedQuantity": _quantity(units),
                    "itemDetails": {"purchaseOrderNumber": order.number},
                }
                for seq, units in carton.items
                if seq in lines
            ]
            body["cartons"].append(entry)
    return body


def proof_of_delivery(order: Order) -> dict:
    shipment, proof = order.shipment, order.shipment.proof
    return {
        "shipmentIdentifier": shipment.identifier,
        "purchaseOrderNumbers": [order.number],
        "document": proof.kind,
        "signed": proof.signed,
        "deliveredAt": instant(proof.delivered_at),
        "cartonsDelivered": proof.cartons_delivered,
        "signedBy": proof.signed_by,
    }


def erp_invoice(order: Order) -> dict:
    invoice, account = order.invoice, order.account
    return {
        "invoiceType": "Invoice",
        "id": invoice.number,
        "date": instant(invoice.issued_at),
        "remitToParty": {"partyId": account.vendor_code, "address": _address(account, "Northwind Goods Inc.")},
        "shipFromParty": {"partyId": f"{account.vendor_code}-DC1"},
        "shipToParty": {"partyId": order.fc},
        "paymentTerms": {"type": "Basic", "netDueDays": account.net_due_days},
        "invoiceTotal": _money(invoice.total(order.lines), account.currency),
        "items": [
            {
                "itemSequenceNumber": line.seq,
                "amazonProductIdentifier": line.product.asin,
                "vendorProductIdentifier": line.product.gtin,
                "invoicedQuantity": _quantity(line.invoiced),
                "netCost": _money(line.invoice_cost, account.currency, line.cost_text),
                "purchaseOrderNumber": order.number,
            }
            for line in order.lines
        ],
        "dueDate": invoice.due_date.isoformat(),
    }


def coop_agreement(agreement) -> dict:
    return {
        "agreementId": agreement.agreement_id,
        "vendorCode": agreement.account.vendor_code,
        "marketplace": agreement.account.marketplace,
        "title": agreement.title,
        "fundingType": FUNDING_TYPE,
        "ratePercent": f"{agreement.rate_percent:.2f}",
        "calculationBase": "net receipts (cost of goods received) in the invoiced month",
        "billing": "monthly; the co-op invoice is dated the last day of the month it covers",
        "currency": agreement.account.currency,
        "activeFrom": agreement.starts_on.isoformat(),
        "activeTo": agreement.ends_on.isoformat(),
        "waivedPeriods": [
            {"from": w.start.isoformat(), "to": w.end.isoformat(), "reason": w.reason} for w in agreement.waived
        ],
    }


# Vendor Central exports: (sort key, account, row) so files can be combined and split by account


def vc_rows(world: VendorWorld) -> dict[str, list[tuple[tuple, Account, list[str]]]]:
    rows = {"invoices": [], "chargebacks": [], "remittance": [], "coop": []}
    claims_by_invoice = defaultdict(list)
    for claim in world.claims:
        claims_by_invoice[claim.order.invoice.number].append(claim)
    for order in world.orders:
        if order.invoice is not None:
            rows["invoices"].append(_invoice_row(world, order, claims_by_invoice[order.invoice.number]))
    for claim in world.claims:
        rows["invoices"].extend(_claim_rows(claim))
    rows["chargebacks"] = [_chargeback_row(c) for c in sorted(world.chargebacks, key=lambda c: int(c.issue_id))]
    rows["coop"] = [_coop_row(c) for c in world.coop_invoices]
    rows["remittance"] = _remittance_rows(world, claims_by_invoice)
    for kind in ("invoices", "coop", "remittance"):
        rows[kind].sort(key=lambda entry: entry[0])
    return rows


def _invoice_row(world: VendorWorld, order: Order, claims: list[Claim]):
    invoice, account = order.invoice, order.account
    total = invoice.total(order.lines)
    paid = invoice.due_date < world.as_of
    deducted = sum((c.amount for c in claims if c.paid_on), Decimal(0))
    return (
        (invoice.local_date, invoice.number),
        account,
        [
            invoice.number, account.vendor_code, vc_date(invoice.local_date, account),
            vc_date(invoice.created_date, account), vc_number(total, account), vc_date(invoice.due_date, account),
            "Paid" if paid else "Open", vc_number(total - deducted, account) if paid else "",
            "Yes" if claims else "No",
        ],
    )  # fmt: skip


def _claim_rows(claim: Claim):
    account, invoice = claim.order.account, claim.order.invoice
    paid = claim.paid_on is not None
    rows = [
        (
            (claim.on, claim.number),
            account,
            [
                claim.number, account.vendor_code, vc_date(claim.on, account), vc_date(claim.on, account),
                vc_number(-claim.amount, account), vc_date(invoice.due_date, account),
                "Deducted" if paid else "Open", vc_number(-claim.amount, account) if paid else "", "Yes",
            ],
        )
    ]  # fmt: skip
    for credit in claim.credits:
        rows.append(
            (
                (credit.on, credit.number),
                account,
                [
                    credit.number, account.vendor_code, vc_date(credit.on, account), vc_date(credit.on, account),
                    vc_number(credit.amount, account), vc_date(credit.on, account), "Credited",
                    vc_number(credit.amount, account), "No",
                ],
            )
        )  # fmt: skip
    return rows


def _chargeback_row(c: Chargeback):
    account = c.order.account
    return (
        (int(c.issue_id),),
        account,
        [
            c.issue_id, account.vendor_code, c.po_written, c.asin, c.type, c.sub_type, str(c.quantity),
            vc_number(c.amount, account), c.currency_label, vc_date(c.on, account), "Charged", c.notes,
        ],
    )  # fmt: skip


def _coop_row(c: CoopInvoice):
    account = c.agreement.account
    return (
        (c.on, c.invoice_id),
        account,
        [
            c.invoice_id, c.agreement.agreement_id, c.agreement.title, vc_date(c.on, account), FUNDING_TYPE,
            f"{c.rate_percent:.2f}", vc_number(c.base, account), vc_number(c.amount, account), c.currency_label,
        ],
    )  # fmt: skip


def _remittance_rows(world: VendorWorld, claims_by_invoice):
    """Payment lines: each payment date of an account is one payment number; nothing paid after `as_of`."""
    lines = []  # (paid on, account, number, dated, amount, description)
    for order in world.orders:
        invoice = order.invoice
        if invoice is not None and invoice.due_date < world.as_of:
            paid_on = invoice.due_date + _lag(invoice.number)
            if paid_on < world.as_of:
                total = invoice.total(order.lines)
                lines.append((paid_on, order.account, invoice.number, invoice.local_date, total, "INVOICE PAYMENT"))
    for claim in world.claims:
        words = "SHORTAGE CLAIM" if claim.kind == "SC" else "PRICE CLAIM"
        if claim.paid_on:
            lines.append((claim.paid_on, claim.order.account, claim.number, claim.on, -claim.amount, words))
        for credit in claim.credits:
            lines.append((credit.on + _lag(credit.number), claim.order.account, credit.number, credit.on, credit.amount,
                          "SHORTAGE CLAIM REVERSAL"))  # fmt: skip
    for c in world.chargebacks:
        kind = c.type.upper()
        if c.paid_on:
            lines.append((c.paid_on, c.order.account, f"{c.issue_id}VCBSINV", c.on, -c.amount,
                          f"CHARGEBACK {kind} - ISSUE ID {c.issue_id}"))  # fmt: skip
        for credit in c.credits:
            lines.append((credit.on + _lag(credit.number), c.order.account, credit.number, credit.on, credit.amount,
                          f"CHARGEBACK REVERSAL {kind} - ISSUE ID {c.issue_id}"))  # fmt: skip
    for c in world.coop_invoices:
        if c.paid_on:
            lines.append((c.paid_on, c.agreement.account, c.invoice_id, c.on, -c.amount,
                          f"CO-OP {c.agreement.title.upper()}"))  # fmt: skip
    rows = []
    numbers: dict[tuple[str, date], str] = {}
    for paid_on, account, number, dated, amount, words in sorted(lines, key=lambda x: (x[0], x[1].vendor_code, x[2])):
        if paid_on >= world.as_of:
            continue
        payment = numbers.setdefault((account.vendor_code, paid_on), str(3_030_317_000 + 137 * len(numbers)))
        money = vc_number(amount, account)
        rows.append(
            (
                (paid_on, payment, number),
                account,
                [payment, vc_date(paid_on, account), number, vc_date(dated, account), money, money, words],
            )
        )
    return rows


def _lag(number: str) -> timedelta:
    return timedelta(days=1 + sum(map(ord, number)) % 5)
