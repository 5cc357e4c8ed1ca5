"""Operational chargebacks and returns: the facts each type turns on, read from the PO and the ASN.

Each checker answers for one type (or a few): was the ASN sent before the truck arrived, did every
carton carry an SSCC/AMZNCC label, do the cartons hold what the ASN lines say, did freight leave
inside the PO's ship window, did the truck arrive by the end of the delivery window, did Amazon
charge (prep, returns, overage) for more units than it received. Types the documents cannot speak
to (packaging, import bookings, paper invoices…) are left undecided: a person must look.
"""

import re
from decimal import Decimal

from django.utils.translation import gettext_noop

from refunds.choices import CheckStatus
from refunds.services.matching.bundle import Bundle, Finding, asn_carton_count, day, eaches, local_date, units

CARTON_TYPES = {"carton_content_label", "carton_content_accuracy", "no_po_label"}


def match_operational(bundle: Bundle, type_code: str) -> Finding:
    checker = CHECKERS.get(type_code) or (check_prep if type_code.startswith("prep") else None)
    finding = Finding(confidence=Decimal("0.85"))
    if checker is None:
        finding.add(
            "operational.manual",
            CheckStatus.MISSING,
            gettext_noop("ASN, PO and invoice data cannot show whether this chargeback is right: check it by hand."),
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
    finding.add(
        "operational.conclusion", CheckStatus.SUPPORTS_DISPUTE, gettext_noop("→ %(text_value)s"), text_value=text
    )


def _valid(finding: Finding, text: str) -> None:
    finding.add(
        "operational.conclusion", CheckStatus.SUPPORTS_AMAZON, gettext_noop("→ %(text_value)s"), text_value=text
    )


def _shipments(bundle: Bundle, finding: Finding):
    shipments = bundle.asn_shipments()
    if not shipments:
        finding.add(
            "operational.asn",
            CheckStatus.SUPPORTS_AMAZON,
            gettext_noop("No ASN on file for PO %(number)s."),
            number=bundle.po.number,
        )
    return shipments


def _stamp(value, tz) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else "never"


def _pods(bundle: Bundle, shipments) -> list[tuple]:
    """(shipment, proof of delivery) pairs: the carrier's documents, not a date on the ASN."""
    return [(s, pod) for s in shipments for pod in bundle.pods.get(s.id, ())]


def _delivered_at(shipment, pod):
    return pod.delivered_at


def check_asn(bundle: Bundle, finding: Finding) -> None:
    """Valid when no ASN was sent, it was confirmed after the delivery, or its units or cartons differ
    from what Amazon received and the carrier delivered; otherwise the ASN was right."""
    tz = bundle.account.tz
    shipments = _shipments(bundle, finding)
    if not shipments:
        return _valid(finding, f"no ASN on file for PO {bundle.po.number}: missing ASN, the chargeback is valid.")
    delivered = _pods(bundle, shipments)
    late = []
    for s in shipments:
        arrivals = [_delivered_at(x, pod) for x, pod in delivered if x.id == s.id and _delivered_at(x, pod)]
        arrival = min(arrivals, default=None)
        on_time = s.asn_sent_at is not None and (arrival is None or s.asn_sent_at <= arrival)
        if not on_time:
            late.append(s)
        finding.add(
            "operational.asn_timing",
            CheckStatus.SUPPORTS_DISPUTE if on_time else CheckStatus.SUPPORTS_AMAZON,
            gettext_noop("ASN %(shipment_id)s confirmed %(tz)s, delivered %(recorded)s."),
            shipment_id=s.shipment_id,
            tz=_stamp(s.asn_sent_at, tz),
            recorded=_stamp(arrival, tz) if arrival else "not recorded",
        )
    if late:
        return _valid(finding, "the ASN was confirmed after the delivery: late ASN, the chargeback is valid.")
    asn_units = shipped_eaches(bundle.lines_of(shipments))
    known = [i for i in bundle.items if i.received_quantity is not None]
    if not known or not delivered:
        what = "Amazon's receipt" if not known else "a proof of delivery"
        text = f"Without {what} the ASN's content cannot be checked."
        finding.add("operational.asn_content", CheckStatus.MISSING, text)
        finding.decided = False
        return None
    received = sum(i.received_quantity for i in known)
    finding.add(
        "operational.asn_units",
        CheckStatus.SUPPORTS_DISPUTE if asn_units == received else CheckStatus.SUPPORTS_AMAZON,
        gettext_noop("ASN units %(asn_units)s of %(PO)s; Amazon received %(received)s."),
        asn_units=f"{asn_units:,}",
        PO=bundle.chargeback.asin or "the PO",
        received=f"{received:,}",
    )
    carton_mismatch = []
    for s, pod in delivered:
        if pod.cartons_delivered is None:
            continue
        expected = asn_carton_count(s, bundle.cartons.get(s.id, ()))
        if pod.cartons_delivered != expected:
            carton_mismatch.append(f"ASN {s.shipment_id} {expected} cartons, POD {pod.cartons_delivered}")
    finding.add(
        "operational.asn_cartons",
        CheckStatus.SUPPORTS_AMAZON if carton_mismatch else CheckStatus.SUPPORTS_DISPUTE,
        ("; ".join(carton_mismatch) if carton_mismatch else "ASN cartons match the cartons delivered") + ".",
    )
    if asn_units != received or carton_mismatch:
        return _valid(finding, "the ASN's units or cartons differ from what arrived: the chargeback is valid.")
    _dispute(bundle, finding, "the ASN was confirmed before arrival and matches the receipt and the POD: invalid.")


def check_carton_labels(bundle: Bundle, finding: Finding) -> None:
    """Without carton data in the ASN Amazon had no label to read (valid); with it, only photos of the
    labels can show they were there."""
    shipments = _shipments(bundle, finding)
    with_cartons = [s for s in shipments if bundle.cartons.get(s.id)]
    if not with_cartons:
        return _valid(finding, "the ASN carries no carton-level data: the chargeback is valid.")
    names = ", ".join(s.shipment_id for s in with_cartons)
    finding.add(
        "operational.cartons",
        CheckStatus.INFO,
        gettext_noop("ASN %(names)s carries carton-level data (SSCCs and contents)."),
        names=names,
    )
    _photos(finding, "label compliance can be shown only with photos of the cartons.")


def _photos(finding: Finding, text: str) -> None:
    finding.photo_only = True
    finding.decided = False
    finding.add("operational.conclusion", CheckStatus.MISSING, gettext_noop("→ %(text_value)s"), text_value=text)


def check_prep(bundle: Bundle, finding: Finding) -> None:
    _photos(finding, "a prep chargeback is decidable only with photos of the packed units.")


def check_carton_contents(bundle: Bundle, finding: Finding) -> None:
    """An SSCC Amazon names that is not on the ASN is the vendor's error; otherwise photos decide."""
    shipments = _shipments(bundle, finding)
    on_asn = {c.identifier.strip().lstrip("0") for s in shipments for c in bundle.cartons.get(s.id, [])}
    named = sorted(set(_SSCC_TEXT.findall(bundle.mentions)))
    missing = [n for n in named if n.lstrip("0") not in on_asn]
    if not shipments:
        return _valid(finding, "without an ASN Amazon had no carton data: the chargeback is valid.")
    if missing:
        finding.add(
            "operational.carton_contents",
            CheckStatus.SUPPORTS_AMAZON,
            gettext_noop("SSCC %(missing)s named by Amazon is not on the ASN."),
            missing=", ".join(missing),
        )
        return _valid(finding, "a carton Amazon names is missing from the ASN: the chargeback is valid.")
    what = f"SSCC {', '.join(named)} are" if named else "the cartons are"
    finding.add(
        "operational.carton_contents",
        CheckStatus.INFO,
        gettext_noop("%(what)s on ASN %(shipments)s with contents."),
        what=what,
        shipments=", ".join(s.shipment_id for s in shipments),
    )
    _photos(finding, "proving the contents needs pack-out photos.")


_SSCC_TEXT = re.compile(r"\b(?:00)?(\d{18})\b")


def check_on_time(bundle: Bundle, finding: Finding) -> None:
    """The carrier's delivery against the PO's delivery window: inside → invalid, outside → valid."""
    tz, po = bundle.account.tz, bundle.po
    shipments = list(bundle.shipments.values())
    delivered = [(s, pod, _delivered_at(s, pod)) for s, pod in _pods(bundle, shipments) if _delivered_at(s, pod)]
    if not (po.delivery_window_start and po.delivery_window_end):
        finding.add(
            "operational.window",
            CheckStatus.MISSING,
            gettext_noop("PO %(number)s has no delivery window on file."),
            number=po.number,
        )
        finding.decided = False
        return None
    if not delivered:
        finding.add(
            "operational.window",
            CheckStatus.MISSING,
            gettext_noop("No proof of delivery for PO %(number)s yet."),
            number=po.number,
        )
        finding.decided = False
        return None
    start, end = po.delivery_window_start, po.delivery_window_end
    outside = []
    for s, pod, at in sorted(delivered, key=lambda x: x[2]):
        inside = start <= at <= end
        if not inside:
            outside.append(s)
        source = f"{'signed' if pod.signed else 'unsigned'} {pod.kind}"
        finding.add(
            "operational.window",
            CheckStatus.SUPPORTS_DISPUTE if inside else CheckStatus.SUPPORTS_AMAZON,
            gettext_noop(
                "PO %(number)s delivery window %(tz)s – %(tz2)s; shipment %(shipment_id)s delivered %(tz3)s "
                "(%(source)s)."
            ),
            number=po.number,
            tz=_stamp(start, tz),
            tz2=_stamp(end, tz),
            shipment_id=s.shipment_id,
            tz3=_stamp(at, tz),
            source=source,
        )
    finding.evidence.add("proof_of_delivery")
    if outside:
        return _valid(finding, f"the delivery of PO {po.number} is outside its delivery window: valid.")
    return _dispute(bundle, finding, f"the delivery of PO {po.number} falls inside its delivery window: invalid.")


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
            gettext_noop(
                "Shipment %(shipment_id)s delivered to %(FC)s on %(tz)s (BOL %(bill_of_lading)s); delivery "
                "window ends %(end)s."
            ),
            shipment_id=s.shipment_id,
            FC=s.ship_to_party or "the FC",
            tz=day(s.delivered_at, tz),
            bill_of_lading=s.bill_of_lading or "—",
            end=day(end),
        )
    if late or len(delivered) < len(shipments):
        return _valid(finding, "the delivery missed the window: the chargeback looks valid.")
    return _dispute(bundle, finding, "delivered inside the window with proof: the chargeback is disputable.")


def check_units_received(bundle: Bundle, finding: Finding) -> None:
    """Prep, returns and overage are charged per unit: never for more units than Amazon received."""
    cb = bundle.chargeback
    items = [i for i in bundle.items if i.received_quantity is not None]
    if not items or not cb.quantity:
        finding.add(
            "operational.receipt",
            CheckStatus.MISSING,
            gettext_noop("Amazon's receipt or the charged units are unknown."),
        )
        finding.decided = False
        return None
    received = sum(i.received_quantity for i in items)
    finding.add(
        "operational.receipt",
        CheckStatus.INFO,
        gettext_noop("Charged for %(quantity)s of %(PO)s; Amazon received %(received)s on PO %(number)s."),
        quantity=units(cb.quantity),
        PO=cb.asin or "the PO",
        received=units(received),
        number=bundle.po.number,
    )
    if cb.quantity <= received:
        return _valid(finding, "no more units charged than received: the chargeback looks valid.")
    excess = cb.quantity - received
    share = cb.amount * excess / cb.quantity
    return _dispute(bundle, finding, f"{units(excess)} charged beyond what Amazon received are disputable.", share)


def check_overage(bundle: Bundle, finding: Finding) -> None:
    items = [i for i in bundle.items if i.received_quantity is not None]
    if not items:
        finding.add(
            "operational.receipt", CheckStatus.MISSING, gettext_noop("Amazon's receipt for the PO is not in yet.")
        )
        finding.decided = False
        return None
    # Accepted and received quantities are both eaches (Amazon's Cases are converted when synced).
    confirmed = sum(
        eaches(i.ordered_quantity, i.ordered_unit, i.unit_size) if i.accepted_quantity is None else i.accepted_quantity
        for i in items
    )
    received = sum(i.received_quantity for i in items)
    finding.add(
        "operational.receipt",
        CheckStatus.INFO,
        gettext_noop("Amazon received %(received)s against %(confirmed)s accepted units of %(PO)s."),
        received=f"{received:,}",
        confirmed=f"{confirmed:,}",
        PO=bundle.chargeback.asin or "the PO",
    )
    if received <= confirmed:
        return _dispute(bundle, finding, "Amazon received no more than it confirmed: no overage.")
    return _valid(finding, "Amazon received more than it confirmed: the overage chargeback looks valid.")


def check_unconfirmed(bundle: Bundle, finding: Finding) -> None:
    confirmed = sum(i.accepted_quantity or 0 for i in bundle.items)
    if confirmed:
        finding.add(
            "operational.confirmed",
            CheckStatus.SUPPORTS_DISPUTE,
            gettext_noop("The PO shows %(confirmed)s confirmed."),
            confirmed=units(confirmed),
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
    "prep": check_prep,
    "rtv": check_units_received,
    "overage_po_units": check_overage,
    "unconfirmed_po_units": check_unconfirmed,
}
