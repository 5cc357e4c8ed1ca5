"""The answer key: what a careful analyst concludes for each simulated deduction, from the facts.

Written apart from the product on purpose (it grades the matcher, so it must not share its code):
the precedence, the families and the deadlines are the domain's verdict rules, applied to the
generator's facts. One `Answer` per deduction, in the worked sample's `expected.json` shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from simulator.vendor_files.facts import CENT, Chargeback, Claim, CoopInvoice, Line, Order, VendorWorld

SHORTAGE_FROM_DUE = 35
SHORTAGE_LAST_DAY = 730
PRICE_LAST_FROM_DUE = 30
OPERATIONAL_LAST_DAY = 30
COOP_LAST_DAY = 730
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Answer:
    id: str
    family: str
    type: str
    account: str
    marketplace: str
    currency: str
    amount: Decimal
    deduction_date: date
    valid_deduction: bool | None
    should_dispute: bool | None
    recoverable_amount: Decimal
    expected_action: str  # dispute, wait, needs_evidence or accept
    disputable_from: date
    due_on: date
    po: str | None
    asin: str | None
    reason: str

    def as_json(self) -> dict:
        return {
            key: (str(value) if isinstance(value, Decimal | date) else value) for key, value in self.__dict__.items()
        }


@dataclass(frozen=True)
class Judgement:
    """What the documents say before the calendar and the credits: the invalid part, or why it is unknown."""

    invalid: Decimal
    needs_evidence: bool
    reason: str


def answers(world: VendorWorld) -> list[Answer]:
    found = [_claim_answer(world, claim) for claim in world.claims]
    found += [_chargeback_answer(world, chargeback) for chargeback in world.chargebacks]
    found += [_coop_answer(world, invoice) for invoice in world.coop_invoices]
    return sorted(found, key=lambda a: (a.deduction_date, a.id))


def decide(
    world: VendorWorld, judgement: Judgement, *, amount: Decimal, credits: Decimal, window: tuple[date, date]
) -> tuple[str, Decimal, str]:
    """(action, recoverable, reason) by the rules' precedence: reversed, expired, evidence, invalid, accept."""
    disputable_from, due_on = window
    if credits >= amount:
        return "accept", ZERO, f"already reversed ({credits} credited): {judgement.reason}"
    if world.as_of > due_on:
        return "accept", ZERO, f"expired: last day to dispute was {due_on}; {judgement.reason}"
    if judgement.needs_evidence and judgement.invalid <= 0:
        return "needs_evidence", ZERO, judgement.reason
    recoverable = (min(judgement.invalid, amount) - credits).quantize(CENT)
    if recoverable > 0:
        action = "wait" if world.as_of < disputable_from else "dispute"
        partial = f"; {credits} already credited" if credits else ""
        return action, recoverable, f"{judgement.reason}{partial}"
    return "accept", ZERO, judgement.reason


# shortage and price claims


def _claim_answer(world: VendorWorld, claim: Claim) -> Answer:
    invoice = claim.order.invoice
    if claim.kind == "SC":
        judgement = shortage_judgement(claim)
        window = (invoice.due_date + timedelta(SHORTAGE_FROM_DUE), invoice.local_date + timedelta(SHORTAGE_LAST_DAY))
        family, kind = "shortage", "Shortage claim"
    else:
        judgement = price_judgement(claim)
        window = (claim.on, invoice.due_date + timedelta(PRICE_LAST_FROM_DUE))
        family, kind = "price", "Price claim"
    credits = sum((c.amount for c in claim.credits), Decimal(0))
    action, recoverable, reason = decide(world, judgement, amount=claim.amount, credits=credits, window=window)
    return _answer(
        claim.number,
        family,
        kind,
        claim.order,
        claim.amount,
        claim.on,
        judgement,
        action,
        recoverable,
        reason,
        window,
        asin=claim.lines[0].product.asin,
    )


def shortage_judgement(claim: Claim) -> Judgement:
    """Per invoice line: valid = c × max(0, inv − max(rec, proven)); proven = ASN units with full proof."""
    order = claim.order
    proof = _proof(order)
    valid = Decimal(0)
    unproven = Decimal(0)
    for line in order.lines:
        asn = _asn_units(order, line)
        proven = asn if proof == "full" else 0
        valid += line.invoice_cost * max(0, line.invoiced - max(line.received, proven))
        unproven += line.invoice_cost * max(0, min(line.invoiced, asn) - line.received)
    invalid = (claim.amount - valid).quantize(CENT)
    words = (
        f"invoice {order.invoice.number} on PO {order.number}; proof {proof}; valid part {valid.quantize(CENT)} "
        f"of {claim.amount}"
    )
    if invalid <= 0 and proof == "none" and unproven > 0:
        return Judgement(ZERO, True, f"{words}: delivery cannot be proven, obtain a signed POD/BOL")
    return Judgement(max(invalid, ZERO), False, words)


def _proof(order: Order) -> str:
    proof = order.shipment.proof if order.shipment else None
    if proof is None or not proof.signed:
        return "none"
    if proof.cartons_delivered is not None and proof.cartons_delivered >= order.shipment.asn_carton_count:
        return "full"
    return "short"


def _asn_units(order: Order, line: Line) -> int:
    return line.shipped if order.shipment and order.shipment.in_erp else 0


def price_judgement(claim: Claim) -> Judgement:
    valid = sum((max(ZERO, li.invoice_cost - li.po_cost) * li.invoiced for li in claim.lines), Decimal(0))
    invalid = max(ZERO, claim.amount - valid).quantize(CENT)
    return Judgement(
        invalid, False, f"invoice {claim.order.invoice.number}: valid part {valid.quantize(CENT)} of {claim.amount}"
    )


# operational chargebacks


def _chargeback_answer(world: VendorWorld, chargeback: Chargeback) -> Answer:
    judgement = chargeback_judgement(world, chargeback)
    window = (chargeback.on, chargeback.on + timedelta(OPERATIONAL_LAST_DAY))
    credits = sum((c.amount for c in chargeback.credits), Decimal(0))
    action, recoverable, reason = decide(world, judgement, amount=chargeback.amount, credits=credits, window=window)
    return _answer(
        chargeback.issue_id,
        "operational",
        chargeback.type,
        chargeback.order,
        chargeback.amount,
        chargeback.on,
        judgement,
        action,
        recoverable,
        reason,
        window,
        asin=chargeback.asin,
    )


def chargeback_judgement(world: VendorWorld, chargeback: Chargeback) -> Judgement:
    original = _earlier_twin(world, chargeback)
    if original is not None:
        return Judgement(chargeback.amount, False, f"exact duplicate of issue {original.issue_id}")
    order, full = chargeback.order, chargeback.amount
    shipment = order.shipment
    line = order.line_for(chargeback.asin)
    asn = shipment if shipment and shipment.in_erp else None
    proof = shipment.proof if shipment else None
    if chargeback.type == "ASN Accuracy":
        if asn is None:
            return Judgement(ZERO, False, "no ASN on file: valid")
        if proof and asn.confirmed_at > proof.delivered_at:
            return Judgement(ZERO, False, "ASN confirmed after the POD delivery: valid")
        if line.shipped != line.received:
            return Judgement(ZERO, False, f"ASN {line.shipped} units, received {line.received}: valid")
        if proof and proof.cartons_delivered is not None and asn.asn_carton_count != proof.cartons_delivered:
            return Judgement(ZERO, False, "ASN cartons differ from the POD: valid")
        return Judgement(full, False, "ASN on time, units and cartons match: invalid")
    if chargeback.type == "PO On-Time Accuracy":
        if proof is None:
            return Judgement(ZERO, False, "no POD: lateness cannot be disproved")
        inside = order.delivery_window[0] <= proof.delivered_at <= order.delivery_window[1]
        return Judgement(
            full if inside else ZERO, False, f"POD delivery {'inside' if inside else 'outside'} the window"
        )
    if chargeback.type == "Overage PO Units":
        over = line.received > line.accepted
        return Judgement(ZERO if over else full, False, f"received {line.received} of {line.accepted} accepted")
    if chargeback.type == "No Carton Content Label":
        if asn is None or not asn.cartons:
            return Judgement(ZERO, False, "ASN without carton data: valid")
        return Judgement(ZERO, True, "ASN has carton data: label compliance needs carton photos")
    if chargeback.type == "Carton Content Accuracy":
        named = chargeback.notes.rsplit("SSCC", 1)[-1].strip()
        on_asn = asn is not None and named in {c.sscc for c in asn.cartons}
        if not on_asn:
            return Judgement(ZERO, False, f"SSCC {named} is not on the ASN: valid")
        return Judgement(ZERO, True, "the named SSCC is on the ASN: contents need pack-out photos")
    return Judgement(ZERO, True, "prep chargeback: decidable only with photos")


def _earlier_twin(world: VendorWorld, chargeback: Chargeback) -> Chargeback | None:
    """Same vendor code, normalised PO, ASIN, type, sub type, quantity, amount, label, date and notes; lower id."""
    key = _twin_key(chargeback)
    earlier = [
        other
        for other in world.chargebacks
        if int(other.issue_id) < int(chargeback.issue_id) and _twin_key(other) == key
    ]
    return min(earlier, key=lambda c: int(c.issue_id)) if earlier else None


def _twin_key(c: Chargeback) -> tuple:
    return (
        c.order.account.vendor_code, normalize_po_number(c.po_written), c.asin, c.type, c.sub_type, c.quantity,
        c.amount, c.currency_label, c.on, c.notes,
    )  # fmt: skip


# co-op


def _coop_answer(world: VendorWorld, invoice: CoopInvoice) -> Answer:
    judgement = coop_judgement(world, invoice)
    window = (invoice.on, invoice.on + timedelta(COOP_LAST_DAY))
    action, recoverable, reason = decide(world, judgement, amount=invoice.amount, credits=ZERO, window=window)
    account = invoice.agreement.account
    return Answer(
        id=invoice.invoice_id,
        family="coop",
        type="Marketing & Promotion",
        account=account.vendor_code,
        marketplace=account.marketplace,
        currency=account.currency,
        amount=invoice.amount,
        deduction_date=invoice.on,
        valid_deduction=None if judgement.needs_evidence else judgement.invalid <= 0,
        should_dispute=action in {"dispute", "wait"},
        recoverable_amount=recoverable,
        expected_action=action,
        disputable_from=window[0],
        due_on=window[1],
        po=None,
        asin=None,
        reason=reason,
    )


def coop_judgement(world: VendorWorld, invoice: CoopInvoice) -> Judgement:
    agreement = invoice.agreement
    twin = next(
        (
            other
            for other in world.coop_invoices
            if other.invoice_id < invoice.invoice_id and _coop_key(other) == _coop_key(invoice)
        ),
        None,
    )
    if twin is not None:
        return Judgement(invoice.amount, False, f"exact duplicate of co-op invoice {twin.invoice_id}")
    if not agreement.in_erp:
        return Judgement(ZERO, True, f"no agreement {agreement.agreement_id} on file: obtain the signed terms")
    if not agreement.starts_on <= invoice.on <= agreement.ends_on:
        return Judgement(
            invoice.amount, False, f"dated {invoice.on}, outside agreement {agreement.agreement_id}'s term"
        )
    if any(w.start <= invoice.on <= w.end for w in agreement.waived):
        return Judgement(invoice.amount, False, f"charged for {invoice.on}, a waived period")
    agreed = (invoice.base * agreement.rate_percent / 100).quantize(CENT)
    excess = max(ZERO, invoice.amount - agreed)
    return Judgement(
        excess, False, f"base {invoice.base} x {agreement.rate_percent}% = {agreed}, charged {invoice.amount}"
    )


def normalize_po_number(written: str) -> str:
    """`po# 1a2b3c4d`, ` 1A2B3C4D `, `PO 1A2B3C4D`, `#1A2B3C4D` → `1A2B3C4D` (the rules' own reading)."""
    text = written.strip().upper()
    for prefix in ("PO#", "PO #", "PO:", "PO ", "#"):
        text = text.removeprefix(prefix).strip()
    return text


def _coop_key(c: CoopInvoice) -> tuple:
    return (c.agreement.agreement_id, c.agreement.title, c.on, c.rate_percent, c.base, c.amount, c.currency_label)


def _answer(
    amazon_id, family, kind, order, amount, on, judgement, action, recoverable, reason, window, *, asin
) -> Answer:
    account = order.account
    return Answer(
        id=amazon_id,
        family=family,
        type=kind,
        account=account.vendor_code,
        marketplace=account.marketplace,
        currency=account.currency,
        amount=amount,
        deduction_date=on,
        valid_deduction=None if judgement.needs_evidence else judgement.invalid <= 0,
        should_dispute=action in {"dispute", "wait"},
        recoverable_amount=recoverable,
        expected_action=action,
        disputable_from=window[0],
        due_on=window[1],
        po=order.number,
        asin=asin,
        reason=reason,
    )
