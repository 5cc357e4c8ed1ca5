"""Shortage claims (PQV): did Amazon really receive fewer units than the vendor invoiced?

Amazon claims `claimed` units of an ASIN on an invoice as not received. The units the vendor can
stand behind are those it both invoiced and shipped (ASN), delivered with proof (POD / signed BOL);
Amazon's own receipt later catching up (partial receipts posted after the claim) proves them too.
Units invoiced but never shipped are a fair claim: the vendor billed what it did not send.
"""

from decimal import Decimal

from refunds.choices import CheckStatus, ProofKind, QuantityUnit
from refunds.services.matching.bundle import Bundle, Finding, day, eaches, has_proof_of_delivery, units


def match_shortage(bundle: Bundle) -> Finding:
    finding = Finding()
    cb = bundle.chargeback
    if bundle.po is None and bundle.invoice is None:
        finding.missing_documents.append(f"PO {cb.po_number or '—'} and invoice {cb.invoice_number or '—'}")
        finding.decided = False
        return finding
    invoiced, unit_cost = _invoiced(bundle, finding)
    claimed = _claimed_units(cb, unit_cost, finding)
    shipped = _shipped(bundle, finding)
    received = _received(bundle, finding)
    if claimed is None or invoiced is None:
        finding.decided = False
        return finding
    if claimed > invoiced:
        finding.add(
            "shortage.impossible",
            CheckStatus.WARNING,
            f"Amazon claims {units(claimed)} short but only {units(invoiced)} were invoiced: the claim is impossible.",
        )
    delivered_proof = _proof_of_delivery(bundle, finding)
    return _conclude(
        bundle, finding, claimed=claimed, invoiced=invoiced, shipped=shipped, received=received, proof=delivered_proof
    )


def _conclude(bundle, finding, *, claimed, invoiced, shipped, received, proof) -> Finding:
    cb = bundle.chargeback
    caught_up = bool(received)
    if shipped is None and not caught_up:
        finding.missing_documents.append(f"ASN for PO {cb.po_number}")
        finding.decided = False
        return finding
    delivered = min(shipped if shipped is not None else invoiced, invoiced)
    fair_units = min(claimed, invoiced - delivered)  # billed but never shipped: Amazon is right
    disputable_units = max(0, claimed - fair_units)
    if disputable_units and caught_up:
        finding.add(
            "shortage.received_later",
            CheckStatus.SUPPORTS_DISPUTE,
            "Amazon has since received every unit invoiced for the item: the units arrived in a later receipt.",
        )
        # Amazon's own receiving record is better proof than a POD: it is what the claim contradicts.
        finding.evidence.add(ProofKind.PROOF_OF_DELIVERY)
    elif disputable_units and not proof:
        finding.decided = False
    if fair_units:
        finding.add(
            "shortage.short_shipped",
            CheckStatus.SUPPORTS_AMAZON,
            f"{units(invoiced)} invoiced but {units(delivered)} shipped: {units(fair_units)} of the claim are fair.",
        )
    finding.disputable = _share(cb.amount, disputable_units, claimed)
    finding.confidence = Decimal("0.95") if (proof or caught_up) else Decimal("0.60")
    if disputable_units:
        finding.add(
            "shortage.conclusion",
            CheckStatus.SUPPORTS_DISPUTE,
            f"→ shortage claim of {units(claimed)}: {units(disputable_units)} are disputable.",
        )
    return finding


def _share(amount: Decimal, part: int, whole: int) -> Decimal:
    if not whole or part >= whole:
        return amount if part else Decimal(0)
    return amount * part / whole


def _invoiced(bundle: Bundle, finding: Finding):
    if bundle.invoice is None:
        finding.missing_documents.append(f"invoice {bundle.chargeback.invoice_number or 'for the PO'}")
        return None, None
    lines = bundle.billed_lines
    if not lines:
        finding.add(
            "shortage.not_invoiced",
            CheckStatus.WARNING,
            f"Invoice {bundle.invoice.number} has no line for {bundle.chargeback.asin or 'this item'}.",
        )
        return 0, None
    quantity = sum(line.quantity for line in lines)
    unit_cost = lines[0].unit_cost
    finding.add(
        "shortage.invoiced",
        CheckStatus.INFO,
        f"Invoice {bundle.invoice.number} billed {units(quantity)} of {bundle.chargeback.asin or 'the PO'} "
        f"at {unit_cost:.2f} {lines[0].currency}.",
    )
    return quantity, unit_cost


def _claimed_units(cb, unit_cost, finding: Finding):
    if cb.quantity:
        return cb.quantity
    if unit_cost:
        derived = int((cb.amount / unit_cost).to_integral_value())
        finding.add(
            "shortage.claimed",
            CheckStatus.INFO,
            f"The claim names no quantity; {cb.amount:.2f} at {unit_cost:.2f} a unit is {units(derived)}.",
        )
        return derived
    finding.add("shortage.claimed", CheckStatus.MISSING, "The claim names no quantity and no unit cost is known.")
    return None


def in_po_units(bundle: Bundle, line) -> int:
    """An ASN line's quantity in the unit the PO (and so the invoice and the claim) counts in."""
    items = bundle.items
    each_count = eaches(line.shipped_quantity, line.unit, line.unit_size)
    if items and items[0].ordered_unit == QuantityUnit.CASES and (items[0].unit_size or 1) > 1:
        return each_count // items[0].unit_size
    return each_count


def _shipped(bundle: Bundle, finding: Finding):
    shipments = bundle.asn_shipments()
    lines = bundle.lines_of(shipments)
    if not lines:
        return None
    total = 0
    for shipment in shipments:
        quantity = sum(in_po_units(bundle, line) for line in lines if line.shipment_id == shipment.id)
        total += quantity
        cartons = f" in {shipment.carton_count} cartons" if shipment.carton_count else ""
        text = f"ASN {shipment.shipment_id} shipped {units(quantity)}{cartons}."
        finding.add("shortage.shipped", CheckStatus.INFO, text)
    if any(shipment.carton_count for shipment in shipments):
        finding.evidence.add(ProofKind.CARTON_DATA)
    return total


def _received(bundle: Bundle, finding: Finding):
    """Amazon's receipt for the item across the whole PO, against everything invoiced for it.

    Receipts are reported per PO item, not per invoice, so "received later" can only be told at
    that level: Amazon has received at least every unit the vendor invoiced for the item.
    """
    known = [item for item in bundle.items if item.received_quantity is not None]
    if not known:
        return None
    received = sum(item.received_quantity for item in known)
    invoiced = bundle.invoiced_for_item
    last = max((item.last_received_at for item in known if item.last_received_at), default=None)
    finding.add(
        "shortage.received",
        CheckStatus.INFO,
        f"Amazon's receipt for PO {bundle.po.number}: {units(received)} received of {units(invoiced)} invoiced "
        f"on the PO (last on {day(last, bundle.account.tz)}).",
    )
    return received >= invoiced > 0


def _proof_of_delivery(bundle: Bundle, finding: Finding) -> bool:
    shipments = bundle.asn_shipments()
    proofs = [s for s in shipments if has_proof_of_delivery(s)]
    for shipment in proofs:
        finding.add(
            "shortage.pod",
            CheckStatus.SUPPORTS_DISPUTE,
            f"Delivered to {shipment.ship_to_party or 'the FC'} on {day(shipment.delivered_at, bundle.account.tz)} "
            f"under BOL {shipment.bill_of_lading} (proof of delivery).",
        )
    if shipments and not proofs:
        finding.add("shortage.pod", CheckStatus.MISSING, "No proof of delivery (delivery date and signed BOL) yet.")
    return bool(proofs)
