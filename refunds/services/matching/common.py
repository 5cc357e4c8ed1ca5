"""Checks every family shares: currency, duplicates, and money Amazon already gave back.

These run before the family matcher's conclusion is used, because they trump it: a deduction
charged twice is wrong whatever the documents say, and one already reversed in a remittance has
nothing left to recover.
"""

from decimal import Decimal

from refunds.choices import CheckStatus
from refunds.identifiers import parse_invoice_number
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
    return (row.deduction_type, row.sub_type, row.asin, row.invoice_number, row.amount, row.quantity)


def duplicate_of(bundle: Bundle):
    """The earlier deduction this one repeats (same type, item, invoice, amount and quantity), if any."""
    cb = bundle.chargeback
    mine = _duplicate_key(cb)
    earlier = [
        row
        for row in bundle.siblings
        if _duplicate_key(row) == mine
        and row.amazon_id != cb.amazon_id
        and (row.issue_date, row.id) < (cb.issue_date, cb.pk)
    ]
    return min(earlier, key=lambda row: (row.issue_date, row.id), default=None)


def reversed_amount(bundle: Bundle) -> tuple[Decimal, list[str]]:
    """Credits in remittances that give this deduction back: its own number or an `…R` reversal of it."""
    cb = bundle.chargeback
    own = {cb.amazon_id, f"{cb.amazon_id}R"}
    total, payments = Decimal(0), []
    for line in bundle.remittance_lines:
        if line.amount <= 0:
            continue
        number = line.invoice_number
        is_reversal = number in own or (_is_derivative(number) and number.endswith("R") and _same_root(bundle, number))
        if is_reversal:
            total += line.amount
            payments.append(f"{line.remittance__payment_number} on {line.remittance__payment_date}")
    return min(total, cb.amount), payments


def _is_derivative(number: str) -> bool:
    return parse_invoice_number(number).is_derivative


def _same_root(bundle: Bundle, number: str) -> bool:
    return bundle.invoice is not None and parse_invoice_number(number).root == bundle.invoice.root_number


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
    reversed_total, payments = reversed_amount(bundle)
    if reversed_total:
        finding.add(
            "common.reversed",
            CheckStatus.SUPPORTS_AMAZON,
            f"Amazon already paid back {reversed_total:.2f} {cb.currency} (payment {', '.join(payments)}).",
        )
    return duplicate is not None, reversed_total
