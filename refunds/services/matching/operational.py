"""Operational chargebacks and returns: the facts each type turns on, read from the PO and the ASN.

Each checker answers for one type (or a few): was the ASN sent before the truck arrived, did every
carton carry an SSCC/AMZNCC label, do the cartons hold what the ASN lines say, did freight leave
inside the PO's ship window, did the truck arrive by the end of the delivery window, did Amazon
charge (prep, returns, overage) for more units than it received. Types the documents cannot speak
to (packaging, import bookings, paper invoices…) are left undecided: a person must look.
"""

from decimal import Decimal

from refunds.choices import CheckStatus
from refunds.services.matching.bundle import Bundle, Finding, day, eaches, local_date, units
from refunds.services.matching.fastsql import json_value

SSCC_LENGTHS = {18, 20}  # SSCC is 18 digits, 20 with its "00" application identifier
CARTON_TYPES = {"carton_content_label", "carton_content_accuracy", "no_po_label"}


def match_operational(bundle: Bundle, type_code: str) -> Finding:
    checker = CHECKERS.get(type_code)
    finding = Finding(confidence=Decimal("0.85"))
    if checker is None:
        finding.add(
            "operational.manual",
            CheckStatus.MISSING,
            "ASN, PO and invoice data cannot show whether this chargeback is right: check it by hand.",
        )
        finding.decided = False
        finding.confidence = Decimal("0.30")
        return finding
    if bundle.po is None:
        finding.missing_documents.append(f"PO {bundle.chargeback.po_number or '—'}")
        finding.decided = False
        return finding
    checker(bundle, finding)
    return finding


def _dispute(bundle: Bundle, finding: Finding, text: str, amount=None) -> None:
    finding.disputable = bundle.chargeback.amount if amount is None else amount
    finding.add("operational.conclusion", CheckStatus.SUPPORTS_DISPUTE, f"→ {text}")


def _valid(finding: Finding, text: str) -> None:
    finding.add("operational.conclusion", CheckStatus.SUPPORTS_AMAZON, f"→ {text}")


def _shipments(bundle: Bundle, finding: Finding):
    shipments = bundle.asn_shipments()
    if not shipments:
        finding.add("operational.asn", CheckStatus.SUPPORTS_AMAZON, f"No ASN on file for PO {bundle.po.number}.")
    return shipments


def _stamp(value, tz) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else "never"


def check_asn(bundle: Bundle, finding: Finding) -> None:
    tz = bundle.account.tz
    shipments = _shipments(bundle, finding)
    if not shipments:
        return _valid(finding, "no ASN was sent for this PO: the chargeback looks valid.")
    late = []
    for s in shipments:
        arrival = s.delivered_at or s.estimated_delivery_at
        on_time = s.asn_sent_at is not None and (arrival is None or s.asn_sent_at <= arrival)
        if not on_time:
            late.append(s)
        finding.add(
            "operational.asn_timing",
            CheckStatus.SUPPORTS_DISPUTE if on_time else CheckStatus.SUPPORTS_AMAZON,
            f"ASN {s.shipment_id} sent {_stamp(s.asn_sent_at, tz)}, shipment arrived "
            f"{_stamp(arrival, tz) if arrival else 'not recorded'}.",
        )
    if late:
        return _valid(finding, "the ASN reached Amazon after the shipment: the chargeback looks valid.")
    _dispute(bundle, finding, "the ASN was sent before the shipment arrived: the chargeback is disputable.")


def check_carton_labels(bundle: Bundle, finding: Finding) -> None:
    shipments = _shipments(bundle, finding)
    if not shipments:
        return _valid(finding, "without an ASN Amazon had no carton data: the chargeback looks valid.")
    cartons = [c for s in shipments for c in bundle.cartons.get(s.id, [])]
    labelled = [c for c in cartons if _valid_label(c.identifier)]
    expected = sum(s.carton_count or 0 for s in shipments)
    finding.add(
        "operational.cartons",
        CheckStatus.INFO,
        f"ASN carton data: {len(cartons)} cartons (the ASN header says {expected or 'nothing'}), "
        f"{len(labelled)} with a valid SSCC/AMZNCC label.",
    )
    if not cartons or len(labelled) < len(cartons) or len(cartons) < expected:
        return _valid(finding, "cartons without a label id in the ASN: the chargeback looks valid.")
    _dispute(bundle, finding, "every carton has an SSCC/AMZNCC label in the ASN: the chargeback is disputable.")


def _valid_label(identifier: str) -> bool:
    text = (identifier or "").strip().upper()
    return (text.isdigit() and len(text) in SSCC_LENGTHS) or (text.startswith("AMZNCC") and len(text) > 6)


def check_carton_contents(bundle: Bundle, finding: Finding) -> None:
    shipments = _shipments(bundle, finding)
    if not shipments:
        return _valid(finding, "without an ASN Amazon had no carton data: the chargeback looks valid.")
    mismatches = []
    for s in shipments:
        declared: dict[str, int] = {}
        for carton in bundle.cartons.get(s.id, []):
            for entry in json_value(carton.contents) or []:
                key = str(entry.get("item_sequence_number"))
                declared[key] = declared.get(key, 0) + int(entry.get("quantity") or 0)
        for line in [line for line in bundle.shipment_lines if line.shipment_id == s.id]:
            in_cartons = declared.get(str(line.item_sequence_number), 0)
            if in_cartons != line.shipped_quantity:
                mismatches.append(f"{s.shipment_id} line {line.item_sequence_number}: cartons {in_cartons}, "
                                  f"line {line.shipped_quantity}")  # fmt: skip
    if mismatches:
        finding.add("operational.carton_contents", CheckStatus.SUPPORTS_AMAZON, "; ".join(mismatches[:3]) + ".")
        return _valid(finding, "carton contents in the ASN differ from its lines: the chargeback looks valid.")
    finding.add("operational.carton_contents", CheckStatus.SUPPORTS_DISPUTE, "Carton contents add up to every line.")
    _dispute(bundle, finding, "the ASN's carton contents match its lines: the chargeback is disputable.")


def check_on_time(bundle: Bundle, finding: Finding) -> None:
    """Freight must be ready (shipped) by the end of the PO's ship window, in the marketplace's dates."""
    tz, po = bundle.account.tz, bundle.po
    shipments = [s for s in bundle.shipments.values() if s.shipped_at]
    if not (po.ship_window_end and shipments):
        finding.add("operational.window", CheckStatus.MISSING, "No ship window or ship date to compare.")
        finding.decided = False
        return None
    end = local_date(po.ship_window_end, tz)
    late = [s for s in shipments if local_date(s.shipped_at, tz) > end]
    for s in sorted(shipments, key=lambda s: s.shipped_at):
        delivered = f", delivered {day(s.delivered_at, tz)}" if s.delivered_at else ""
        finding.add(
            "operational.window",
            CheckStatus.SUPPORTS_AMAZON if s in late else CheckStatus.SUPPORTS_DISPUTE,
            f"PO {po.number} ship window ends {end}; shipment {s.shipment_id} left {day(s.shipped_at, tz)}{delivered}.",
        )
    if late:
        return _valid(finding, "freight left after the ship window: the chargeback looks valid.")
    return _dispute(bundle, finding, "every shipment left inside the ship window: the chargeback is disputable.")


def check_no_show(bundle: Bundle, finding: Finding) -> None:
    """The truck came: a delivery recorded by the end of the PO's delivery window."""
    tz, po = bundle.account.tz, bundle.po
    shipments = _shipments(bundle, finding)
    delivered = [s for s in shipments if s.delivered_at]
    if not delivered:
        return _valid(finding, "no delivery is recorded: the chargeback looks valid.")
    end = local_date(po.delivery_window_end, tz)
    late = [s for s in delivered if end and local_date(s.delivered_at, tz) > end]
    for s in delivered:
        finding.add(
            "operational.delivered",
            CheckStatus.SUPPORTS_AMAZON if s in late else CheckStatus.SUPPORTS_DISPUTE,
            f"Shipment {s.shipment_id} delivered to {s.ship_to_party or 'the FC'} on {day(s.delivered_at, tz)} "
            f"(BOL {s.bill_of_lading or '—'}); delivery window ends {day(end)}.",
        )
    if late or len(delivered) < len(shipments):
        return _valid(finding, "the delivery missed the window: the chargeback looks valid.")
    return _dispute(bundle, finding, "delivered inside the window with proof: the chargeback is disputable.")


def check_units_received(bundle: Bundle, finding: Finding) -> None:
    """Prep, returns and overage are charged per unit: never for more units than Amazon received."""
    cb = bundle.chargeback
    items = [i for i in bundle.items if i.received_quantity is not None]
    if not items or not cb.quantity:
        finding.add("operational.receipt", CheckStatus.MISSING, "Amazon's receipt or the charged units are unknown.")
        finding.decided = False
        return None
    received = sum(i.received_quantity for i in items)
    finding.add(
        "operational.receipt",
        CheckStatus.INFO,
        f"Charged for {units(cb.quantity)} of {cb.asin or 'the PO'}; Amazon received {units(received)} on PO "
        f"{bundle.po.number}.",
    )
    if cb.quantity <= received:
        return _valid(finding, "no more units charged than received: the chargeback looks valid.")
    excess = cb.quantity - received
    share = cb.amount * excess / cb.quantity
    return _dispute(bundle, finding, f"{units(excess)} charged beyond what Amazon received are disputable.", share)


def check_overage(bundle: Bundle, finding: Finding) -> None:
    items = [i for i in bundle.items if i.received_quantity is not None]
    if not items:
        finding.add("operational.receipt", CheckStatus.MISSING, "Amazon's receipt for the PO is not in yet.")
        finding.decided = False
        return None
    confirmed = sum(i.accepted_quantity if i.accepted_quantity is not None else i.ordered_quantity for i in items)
    received = sum(i.received_quantity for i in items)
    finding.add("operational.receipt", CheckStatus.INFO, f"{units(confirmed)} confirmed, {units(received)} received.")
    if received <= confirmed:
        return _dispute(bundle, finding, "Amazon received no more than it confirmed: no overage.")
    return _valid(finding, "Amazon received more than it confirmed: the overage chargeback looks valid.")


def check_unconfirmed(bundle: Bundle, finding: Finding) -> None:
    confirmed = sum(i.accepted_quantity or 0 for i in bundle.items)
    if confirmed:
        finding.add(
            "operational.confirmed", CheckStatus.SUPPORTS_DISPUTE, f"The PO shows {units(confirmed)} confirmed."
        )
        return _dispute(bundle, finding, "the units were confirmed on the PO: disputable.")
    return _valid(finding, "no confirmed units on the PO: the chargeback looks valid.")


def shipped_eaches(lines) -> int:
    return sum(eaches(line.shipped_quantity, line.unit, line.unit_size) for line in lines)


CHECKERS = {
    "asn_accuracy": check_asn,
    "carton_content_label": check_carton_labels,
    "no_po_label": check_carton_labels,
    "carton_content_accuracy": check_carton_contents,
    "po_on_time": check_on_time,
    "import_po_on_time": check_on_time,
    "no_show": check_no_show,
    "rejected_delivery": check_no_show,
    "prep": check_units_received,
    "rtv": check_units_received,
    "overage_po_units": check_overage,
    "unconfirmed_po_units": check_unconfirmed,
}
