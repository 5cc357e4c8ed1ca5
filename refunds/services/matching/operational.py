"""Operational chargebacks: the facts each type turns on, read from the PO and the ASN.

Each checker answers for one type (or a few): was the ASN sent before the truck arrived, did every
carton carry an SSCC/AMZNCC label and carton data, did delivery fall inside the PO window, did the
truck come at all. Types the documents cannot speak to (prep, packaging, import bookings…) are left
undecided: a person must look, with photos or records we do not sync.
"""

from decimal import Decimal

from refunds.choices import CheckStatus
from refunds.services.matching.bundle import Bundle, Finding, day, eaches, local_date, units

SSCC_LENGTHS = {18, 20}  # SSCC is 18 digits, 20 with its "00" application identifier; AMZNCC similar


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


def _dispute_all(bundle: Bundle, finding: Finding, text: str) -> None:
    finding.disputable = bundle.chargeback.amount
    finding.add("operational.conclusion", CheckStatus.SUPPORTS_DISPUTE, f"→ {text}")


def _valid(finding: Finding, text: str) -> None:
    finding.add("operational.conclusion", CheckStatus.SUPPORTS_AMAZON, f"→ {text}")


def _need_asn(bundle: Bundle, finding: Finding):
    shipments = bundle.asn_shipments()
    if not shipments:
        finding.add("operational.asn", CheckStatus.SUPPORTS_AMAZON, f"No ASN on file for PO {bundle.po.number}.")
    return shipments


def check_asn(bundle: Bundle, finding: Finding) -> None:
    tz = bundle.account.tz
    shipments = _need_asn(bundle, finding)
    if not shipments:
        return _valid(finding, "no ASN was sent for this PO: the chargeback looks valid.")
    late = []
    for s in shipments:
        arrival = s.delivered_at or s.estimated_delivery_at
        if s.asn_sent_at is None or (arrival and s.asn_sent_at > arrival):
            late.append(s)
        sent = s.asn_sent_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if s.asn_sent_at else "never"
        arrived = arrival.astimezone(tz).strftime("%Y-%m-%d %H:%M") if arrival else "not recorded"
        finding.add(
            "operational.asn_timing",
            CheckStatus.SUPPORTS_AMAZON if s in late else CheckStatus.SUPPORTS_DISPUTE,
            f"ASN {s.shipment_id} sent {sent}, shipment arrived {arrived}.",
        )
    if late:
        return _valid(finding, "the ASN reached Amazon after the shipment: the chargeback looks valid.")
    shipped = sum(eaches(line.shipped_quantity, line.unit, line.unit_size) for line in bundle.shipment_lines)
    ordered = sum(item.accepted_quantity or item.ordered_quantity for item in bundle.po_items)
    finding.add(
        "operational.asn_quantity",
        CheckStatus.INFO,
        f"ASN lines declare {units(shipped)} against {units(ordered)} confirmed on the PO.",
    )
    _dispute_all(bundle, finding, "the ASN was sent before arrival: the chargeback is disputable.")


def check_cartons(bundle: Bundle, finding: Finding) -> None:
    shipments = _need_asn(bundle, finding)
    if not shipments:
        return _valid(finding, "without an ASN Amazon had no carton data: the chargeback looks valid.")
    cartons = [c for s in shipments for c in bundle.cartons.get(s.id, [])]
    unlabelled = [c for c in cartons if not _valid_label(c.identifier)]
    empty = [c for c in cartons if not c.contents]
    expected = sum(s.carton_count or 0 for s in shipments)
    finding.add(
        "operational.cartons",
        CheckStatus.INFO,
        f"ASN carton data: {len(cartons)} cartons (ASN header says {expected or 'nothing'}), "
        f"{len(cartons) - len(unlabelled)} with a valid SSCC/AMZNCC, {len(cartons) - len(empty)} with contents.",
    )
    if not cartons or unlabelled or empty or (expected and len(cartons) < expected):
        return _valid(finding, "carton labels or carton contents are missing from the ASN: the chargeback looks valid.")
    _dispute_all(bundle, finding, "every carton has a label and contents in the ASN: the chargeback is disputable.")


def _valid_label(identifier: str) -> bool:
    digits = (identifier or "").strip()
    return digits.isdigit() and len(digits) in SSCC_LENGTHS or digits.upper().startswith("AMZN")


def check_on_time(bundle: Bundle, finding: Finding) -> None:
    tz, po = bundle.account.tz, bundle.po
    shipments = _need_asn(bundle, finding)
    delivered = [s for s in shipments if s.delivered_at]
    if po.delivery_window_end and delivered:
        start, end = local_date(po.delivery_window_start, tz), local_date(po.delivery_window_end, tz)
        when = min(local_date(s.delivered_at, tz) for s in delivered)
        inside = (start is None or start <= when) and when <= end
        finding.add(
            "operational.window",
            CheckStatus.SUPPORTS_DISPUTE if inside else CheckStatus.SUPPORTS_AMAZON,
            f"PO {po.number} delivery window {day(start)} to {day(end)}; delivered {day(when)}.",
        )
        if inside:
            return _dispute_all(bundle, finding, "delivered inside the PO window: the chargeback is disputable.")
        return _valid(finding, "delivered outside the PO window: the chargeback looks valid.")
    shipped = [s for s in shipments if s.shipped_at]
    if po.ship_window_end and shipped:
        end = local_date(po.ship_window_end, tz)
        when = min(local_date(s.shipped_at, tz) for s in shipped)
        finding.add("operational.window", CheckStatus.INFO, f"PO ship window ends {day(end)}; shipped {day(when)}.")
        if when <= end:
            return _dispute_all(bundle, finding, "freight was ready inside the ship window: disputable.")
        return _valid(finding, "shipped after the ship window: the chargeback looks valid.")
    finding.add("operational.window", CheckStatus.MISSING, "No delivery or ship date to compare with the PO window.")
    finding.decided = False


def check_delivery_happened(bundle: Bundle, finding: Finding) -> None:
    tz = bundle.account.tz
    shipments = _need_asn(bundle, finding)
    delivered = [s for s in shipments if s.delivered_at]
    if not delivered:
        return _valid(finding, "no delivery is recorded for this PO: the chargeback looks valid.")
    for s in delivered:
        finding.add(
            "operational.delivered",
            CheckStatus.SUPPORTS_DISPUTE,
            f"Shipment {s.shipment_id} was delivered to {s.ship_to_party or 'the FC'} on "
            f"{day(s.delivered_at, tz)} (BOL {s.bill_of_lading or '—'}).",
        )
    _dispute_all(bundle, finding, "the delivery took place: the chargeback is disputable.")


def check_overage(bundle: Bundle, finding: Finding) -> None:
    items = [i for i in bundle.items if i.received_quantity is not None]
    if not items:
        finding.add("operational.receipt", CheckStatus.MISSING, "Amazon's receipt for the PO is not in yet.")
        finding.decided = False
        return
    confirmed = sum(i.accepted_quantity if i.accepted_quantity is not None else i.ordered_quantity for i in items)
    received = sum(i.received_quantity for i in items)
    finding.add("operational.receipt", CheckStatus.INFO, f"{units(confirmed)} confirmed, {units(received)} received.")
    if received <= confirmed:
        return _dispute_all(bundle, finding, "Amazon received no more than it confirmed: no overage.")
    _valid(finding, "Amazon received more than it confirmed: the overage chargeback looks valid.")


def check_unconfirmed(bundle: Bundle, finding: Finding) -> None:
    confirmed = sum(i.accepted_quantity or 0 for i in bundle.items)
    if confirmed:
        finding.add(
            "operational.confirmed", CheckStatus.SUPPORTS_DISPUTE, f"The PO shows {units(confirmed)} confirmed."
        )
        return _dispute_all(bundle, finding, "the units were confirmed on the PO: disputable.")
    _valid(finding, "no confirmed units on the PO: the chargeback looks valid.")


CHECKERS = {
    "asn_accuracy": check_asn,
    "carton_content_label": check_cartons,
    "carton_content_accuracy": check_cartons,
    "no_po_label": check_cartons,
    "po_on_time": check_on_time,
    "import_po_on_time": check_on_time,
    "no_show": check_delivery_happened,
    "rejected_delivery": check_delivery_happened,
    "overage_po_units": check_overage,
    "unconfirmed_po_units": check_unconfirmed,
}
