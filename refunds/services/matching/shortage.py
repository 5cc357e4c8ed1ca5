"""Shortage claims (`<invoice>SC`): did Amazon really receive fewer units than the vendor invoiced?

A claim names only the invoice, so it is judged line by line of that invoice, each line through its
own PO: `inv` units billed at unit cost `c`, `asn` units the PO's ASNs shipped, `rec` units Amazon's
receipt shows today (eaches), and the carrier's proof of delivery for those ASNs. Units are proven
delivered by a signed POD/BOL covering every ASN carton (then all ASN units count), or by Amazon's
own receipt (units that arrived after the claim count too). Whatever is billed beyond that is a fair
claim:

    valid part   = Σ c × max(0, inv − max(rec, proven))
    invalid part = claim − valid part

With nothing invalid, units shipped but neither received nor proven (no signed POD) ask for
evidence before anything is accepted: Amazon denies a shortage dispute without proof, and the
vendor can still get it. A signed POD short of cartons means the carrier lost them: the claim is
valid against the vendor, who claims the carrier instead.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_noop

from refunds.choices import CheckStatus, ProofKind
from refunds.services.matching.bundle import (
    FULL,
    NONE,
    SHORT,
    Bundle,
    Finding,
    asn_carton_count,
    day,
    delivery_proof,
    eaches,
    units,
)

CENT = Decimal("0.005")  # below half a cent a difference is rounding, not money


@dataclass
class LineFacts:
    """One invoice line of the claim with what the PO, ASNs, receipt and PODs say about it."""

    asin: str
    po_number: str
    invoiced: int
    cost: Decimal
    shipped: int
    received: int
    proof: str

    @property
    def proven(self) -> int:
        return self.shipped if self.proof == FULL else 0

    @property
    def valid_units(self) -> int:
        return max(0, self.invoiced - max(self.received, self.proven))

    @property
    def unproven_units(self) -> int:
        """Shipped, not received and without a signed POD: what a POD could still prove."""
        return max(0, min(self.invoiced, self.shipped) - self.received) if self.proof == NONE else 0


def match_shortage(bundle: Bundle) -> Finding:
    finding = Finding(confidence=Decimal("0.90"))
    cb = bundle.chargeback
    if bundle.invoice is None:
        finding.missing_documents.append(f"invoice {cb.invoice_number or _root_of(cb) or '—'}")
        finding.add(
            "shortage.invoice",
            CheckStatus.MISSING,
            gettext_noop("The invoice the claim is against is not on file yet."),
        )
        finding.decided = False
        return finding
    lines = bundle.claim_lines
    if not lines:
        finding.add(
            "shortage.not_invoiced",
            CheckStatus.WARNING,
            gettext_noop("Invoice %(number)s has no billed line for %(item)s."),
            number=bundle.invoice.number,
            item=cb.asin or "any item",
        )
        finding.decided = False
        return finding
    facts = []
    for line in lines:
        fact = _line_facts(bundle, line, finding)
        if fact is None:
            finding.decided = False
            return finding
        facts.append(fact)
    return _conclude(bundle, finding, facts)


def _root_of(cb) -> str:
    from refunds.services.matching.loader import invoice_root

    return invoice_root(cb)


def _line_facts(bundle: Bundle, line, finding: Finding) -> LineFacts | None:
    po_number = bundle.po_of_line(line)
    view = bundle.po_views.get(po_number)
    if view is None or view[0] is None:
        finding.missing_documents.append(f"PO {po_number or '—'} of invoice {bundle.invoice.number}")
        finding.add(
            "shortage.po",
            CheckStatus.MISSING,
            gettext_noop("Invoice %(number)s bills %(asin)s on PO %(po_number)s, which is not on file yet."),
            number=bundle.invoice.number,
            asin=line.asin,
            po_number=po_number or "—",
        )
        return None
    po, items, asn_lines, shipments, cartons = view
    items = [item for item in items if item.asin == line.asin]
    asn_lines = [ln for ln in asn_lines if ln.asin == line.asin]
    shipped = sum(eaches(ln.shipped_quantity, ln.unit, ln.unit_size) for ln in asn_lines)
    known = [item for item in items if item.received_quantity is not None]
    received = sum(item.received_quantity for item in known)
    ids = sorted({ln.shipment_id for ln in asn_lines})
    asns = [shipments[i] for i in ids if i in shipments]
    proofs = [(s, *delivery_proof(bundle, s)) for s in asns]
    statuses = {status for _, status, _ in proofs}
    proof = NONE if (not proofs or NONE in statuses) else (SHORT if SHORT in statuses else FULL)
    fact = LineFacts(line.asin, po_number, line.quantity, line.unit_cost, shipped, received, proof)
    finding.add("shortage.line", CheckStatus.INFO, _line_text(bundle, line, po, fact, proofs, known, cartons))
    if proof == FULL:
        finding.evidence.add(str(ProofKind.PROOF_OF_DELIVERY))
    if asns:
        finding.evidence.add(str(ProofKind.ASN_TRANSMISSION))
    return fact


def _line_text(bundle, line, po, fact: LineFacts, proofs, known, cartons) -> str:
    tz = bundle.account.tz
    parts = [
        f"Invoice {bundle.invoice.number} billed {units(fact.invoiced)} of {fact.asin} at "
        f"{fact.cost:,.2f} {line.currency} on PO {po.number}"
    ]
    if not proofs:
        parts.append(f"no ASN on file for {fact.asin}")
    for shipment, _status, pod in proofs:
        expected = asn_carton_count(shipment, cartons.get(shipment.id, ()))
        shipped = f"ASN {shipment.shipment_id} shipped {expected} carton{'s' if expected != 1 else ''}"
        if pod is None:
            parts.append(f"{shipped}; no POD/BOL on file")
        elif not pod.signed:
            parts.append(f"{shipped}; unsigned {pod.kind or 'POD'} of {day(pod.delivered_at, tz)}")
        else:
            delivered = "?" if pod.cartons_delivered is None else pod.cartons_delivered
            parts.append(
                f"{shipped}; signed {pod.kind or 'POD'} of {day(pod.delivered_at, tz)} shows {delivered}/{expected} "
                f"cartons delivered"
            )
    parts.append(f"ASNs shipped {units(fact.shipped)} in all")
    if known:
        last = max((item.last_received_at for item in known if item.last_received_at), default=None)
        parts.append(f"Amazon now shows {units(fact.received)} received (last receipt {day(last, tz)})")
    else:
        parts.append("Amazon has not reported a receipt")
    return "; ".join(parts) + "."


def _conclude(bundle: Bundle, finding: Finding, facts: list[LineFacts]) -> Finding:
    cb = bundle.chargeback
    valid = sum((f.cost * f.valid_units for f in facts), Decimal(0))
    billed = sum((f.cost * f.invoiced for f in facts), Decimal(0))
    invalid = cb.amount - valid
    if cb.amount > billed + CENT:
        finding.add(
            "shortage.impossible",
            CheckStatus.WARNING,
            gettext_noop(
                "Amazon claims %(amount)s but the invoice billed only %(billed)s for these items: the claim is "
                "impossible."
            ),
            amount=f"{cb.amount:,.2f}",
            billed=f"{billed:,.2f}",
        )
    for f in facts:
        _explain_line(finding, f)
    if invalid <= CENT:
        unproven = sum((f.cost * f.unproven_units for f in facts), Decimal(0))
        if unproven > CENT:
            finding.decided = False
            finding.confidence = Decimal("0.60")
            finding.add(
                "shortage.conclusion",
                CheckStatus.MISSING,
                gettext_noop(
                    "→ %(unproven)s %(currency)s of shipped units are neither received nor proven delivered: "
                    "obtain a signed POD/BOL before disputing."
                ),
                unproven=f"{unproven:,.2f}",
                currency=cb.currency,
            )
            return finding
        finding.add(
            "shortage.conclusion",
            CheckStatus.SUPPORTS_AMAZON,
            gettext_noop(
                "→ the claim of %(amount)s is no more than the units billed beyond what was delivered "
                "(%(valid)s): valid."
            ),
            amount=f"{cb.amount:,.2f}",
            valid=f"{valid:,.2f}",
        )
        return finding
    finding.disputable = min(invalid, cb.amount)
    # What proves the invalid part is the POD or Amazon's own later receipt: either is proof of delivery.
    finding.evidence.add(str(ProofKind.PROOF_OF_DELIVERY))
    finding.confidence = Decimal("0.95")
    finding.add(
        "shortage.conclusion",
        CheckStatus.SUPPORTS_DISPUTE,
        gettext_noop("→ valid part %(valid)s of the %(amount)s claimed: %(disputable)s %(currency)s is disputable."),
        valid=f"{valid:,.2f}",
        amount=f"{cb.amount:,.2f}",
        disputable=f"{finding.disputable:,.2f}",
        currency=cb.currency,
    )
    return finding


def _explain_line(finding: Finding, f: LineFacts) -> None:
    short_shipped = max(0, f.invoiced - f.shipped)
    if short_shipped:
        finding.add(
            "shortage.short_shipped",
            CheckStatus.SUPPORTS_AMAZON,
            gettext_noop(
                "%(asin)s: %(invoiced)s invoiced but %(shipped)s shipped: %(short_shipped)s never shipped are "
                "a fair claim."
            ),
            asin=f.asin,
            invoiced=units(f.invoiced),
            shipped=units(f.shipped),
            short_shipped=units(short_shipped),
        )
    if f.proof == SHORT:
        finding.add(
            "shortage.carrier",
            CheckStatus.SUPPORTS_AMAZON,
            gettext_noop("%(asin)s: the signed POD shows cartons missing at delivery: claim the carrier, not Amazon."),
            asin=f.asin,
        )
    if f.proof == FULL and f.shipped > f.received:
        finding.add(
            "shortage.pod",
            CheckStatus.SUPPORTS_DISPUTE,
            gettext_noop(
                "%(asin)s: full delivery of %(shipped)s proven by a signed POD/BOL; Amazon shows %(received)s received."
            ),
            asin=f.asin,
            shipped=units(f.shipped),
            received=units(f.received),
        )
    elif f.received and f.received > f.proven and f.invoiced > f.proven:
        finding.add(
            "shortage.received_later",
            CheckStatus.SUPPORTS_DISPUTE,
            gettext_noop(
                "%(asin)s: Amazon's receipt now shows %(received)s: units arrived in a later receipt count as "
                "delivered."
            ),
            asin=f.asin,
            received=units(f.received),
        )
    if f.proof == NONE and f.unproven_units:
        finding.add(
            "shortage.pod",
            CheckStatus.MISSING,
            gettext_noop(
                "%(asin)s: no proof of delivery (a signed POD/BOL) for %(unproven_units)s shipped but not received."
            ),
            asin=f.asin,
            unproven_units=units(f.unproven_units),
        )
