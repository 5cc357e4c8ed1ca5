"""Checks every family shares: currency, duplicates, and money Amazon already gave back.

These run before the family matcher's conclusion is used, because they trump it: a deduction
charged twice is wrong whatever the documents say, and one already reversed in a remittance has
nothing left to recover.
"""

from decimal import Decimal

from refunds.choices import CheckStatus, DeductionFamily
from refunds.services.matching.bundle import Bundle, Finding, check


def currency_checks(bundle: Bundle) -> list[dict]:
    """A mismatch is a flagged check, never an exception: the amounts cannot be compared as they are."""
    cb, problems = bundle.chargeback, []
    if bundle.account.currency and cb.currency != bundle.account.currency:
        problems.append(f"the deduction is in {cb.currency} but the account works in {bundle.account.currency}")
    if bundle.invoice is not None and bundle.invoice.currency != cb.currency:
        problems.append(
            f"invoice {bundle.invoice.number} is in {bundle.invoice.currency}, the deduction in {cb.currency}"
        )
    return [check("common.currency", CheckStatus.WARNING, f"Currency mismatch: {p}.") for p in problems]


def _duplicate_key(row):
    # The text too: two no-shows on two shipments of one PO cost the same but name different ARNs.
    return (row.deduction_type, row.sub_type, row.asin, row.invoice_number, row.amount, row.quantity, row.description)


def duplicate_of(bundle: Bundle):
    """The earlier deduction this one repeats (same type, item, invoice, amount and quantity), if any."""
    cb = bundle.chargeback
    if cb.family == DeductionFamily.PROVISION:
        return None  # holdbacks sized from receipts: equal amounts are coincidence, not a second charge
    mine = _duplicate_key(cb)
    earlier = [
        row
        for row in bundle.siblings
        if _duplicate_key(row) == mine
        and row.amazon_id != cb.amazon_id
        and (row.issue_date, row.id) < (cb.issue_date, cb.id)
    ]
    return min(earlier, key=lambda row: (row.issue_date, row.id), default=None)


# Amazon's own status for a deduction it took back (report files spell it in several ways).
REVERSED_STATUSES = {"reversed", "waived", "refunded", "cancelled", "canceled", "credited"}


def reversed_amount(bundle: Bundle) -> tuple[Decimal, list[str]]:
    """What Amazon already gave back: its status, a credit derivative of the invoice (`…SCR`) for
    the item, or a remittance credit on the deduction's own number or its `…R` reversal."""
    cb = bundle.chargeback
    if cb.amazon_status.strip().lower() in REVERSED_STATUSES:
        return cb.amount, [f"Amazon's status is {cb.amazon_status}"]
    total, where = Decimal(0), []
    # The SC/SCR chain is the shortage claim's own: its credits reverse shortages of the invoice
    # named on the deduction, nothing else charged on the same PO.
    chain = bundle.chain if cb.family == DeductionFamily.SHORTAGE and cb.invoice_number else []
    for invoice in chain:
        if invoice.amount > 0 and invoice.suffixes.endswith("R"):
            lines = [ln for ln in bundle.chain_lines.get(invoice.id, []) if not cb.asin or ln.asin == cb.asin]
            credit = (
                sum((ln.amount for ln in lines), Decimal(0)) if bundle.chain_lines.get(invoice.id) else invoice.amount
            )
            if credit > 0:
                total += credit
                where.append(f"credit {invoice.number} of {invoice.invoice_date}")
    own = {cb.amazon_id, f"{cb.amazon_id}R"}
    for line in bundle.remittance_lines:
        if line.amount > 0 and line.invoice_number in own:
            total += line.amount
            where.append(f"payment {line.remittance__payment_number} on {line.remittance__payment_date}")
    return min(total, cb.amount), where


def apply_common(bundle: Bundle, finding: Finding) -> tuple[bool, Decimal]:
    """Add the shared checks to a finding; returns (is a duplicate, amount already reversed)."""
    cb = bundle.chargeback
    finding.checks[:0] = currency_checks(bundle)
    for line in bundle.remittance_lines:
        if line.invoice_number == cb.amazon_id and line.amount < 0:
            finding.add(
                "common.deducted",
                CheckStatus.INFO,
                f"Deducted in payment {line.remittance__payment_number} on {line.remittance__payment_date}.",
            )
    duplicate = duplicate_of(bundle)
    if duplicate is not None:
        finding.add(
            "common.duplicate",
            CheckStatus.SUPPORTS_DISPUTE,
            f"Duplicate: deduction {duplicate.amazon_id} of {duplicate.issue_date} charged the same "
            f"{cb.amount:.2f} {cb.currency} for the same item.",
        )
    reversed_total, where = reversed_amount(bundle)
    if reversed_total:
        finding.add(
            "common.reversed",
            CheckStatus.SUPPORTS_AMAZON,
            f"Amazon already gave back {reversed_total:.2f} {cb.currency} ({'; '.join(where)}).",
        )
    return duplicate is not None, reversed_total
