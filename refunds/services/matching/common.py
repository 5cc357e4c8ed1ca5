"""Checks every family shares: currency, duplicates, and money Amazon already gave back.

These run before the family matcher's conclusion is used, because they trump it: a deduction
charged twice is wrong whatever the documents say, and one already reversed in a remittance has
nothing left to recover.
"""

from decimal import Decimal

from django.utils.translation import gettext_noop

from refunds.choices import CheckStatus, DeductionFamily, InvoiceDateSource
from refunds.services.matching.bundle import Bundle, Finding, check
from refunds.services.matching.loader import CHARGEBACK_CREDIT, CHARGEBACK_DEBIT, invoice_root


def currency_checks(bundle: Bundle) -> list[dict]:
    """A currency label that differs from the account's is kept and said, never a reason to drop or stall.

    Vendor Central labels a few rows of an account with another currency (`CAD` on a US account)
    while the number is in the account's currency: the deduction is judged in the account's currency.
    """
    cb, account_currency, found = bundle.chargeback, bundle.account.currency, []
    label = cb.reported_currency or cb.currency
    if account_currency and label != account_currency:
        found.append(
            check(
                "common.currency_label",
                CheckStatus.WARNING,
                gettext_noop(
                    "The deduction is labelled %(value)s but the account works in %(account_currency)s: judged "
                    "as %(amount)s %(account_currency2)s."
                ),
                value=label,
                account_currency=account_currency,
                amount=f"{cb.amount:,.2f}",
                account_currency2=account_currency,
            )
        )
    invoice = bundle.invoice
    conflict = invoice_date_conflict(invoice) if invoice is not None else ""
    if conflict:
        found.append(
            check(
                "common.invoice_dates",
                CheckStatus.WARNING,
                gettext_noop("Invoice %(number)s: %(conflict)s"),
                number=invoice.number,
                conflict=conflict,
            )
        )
    if invoice is not None and account_currency and invoice.currency != account_currency:
        found.append(
            check(
                "common.currency",
                CheckStatus.WARNING,
                gettext_noop(
                    "Currency mismatch: invoice %(number)s is in %(currency)s, the account in "
                    "%(account_currency)s: the amounts cannot be compared as they are."
                ),
                number=invoice.number,
                currency=invoice.currency,
                account_currency=account_currency,
            )
        )
    return found


def invoice_date_conflict(invoice) -> str:
    """`Invoice.date_conflict` for a loaded row: the vendor's pushed dates against Vendor Central's."""
    if invoice.date_source != InvoiceDateSource.VENDOR_CENTRAL:
        return ""
    said = []
    if invoice.pushed_date and invoice.pushed_date != invoice.invoice_date:
        said.append(f"invoice date {invoice.pushed_date} (Vendor Central: {invoice.invoice_date})")
    if invoice.pushed_due_date and invoice.due_date and invoice.pushed_due_date != invoice.due_date:
        said.append(f"due date {invoice.pushed_due_date} (Vendor Central: {invoice.due_date})")
    return f"the vendor pushed {' and '.join(said)}; Vendor Central's dates are used." if said else ""


def _duplicate_key(row):
    # Vendor code (the account), normalised PO, ASIN, type, sub type, quantity, amount, currency
    # label, date and notes: a row equal in all of them is the same charge billed twice.
    return (
        row.po_number_normalized,
        row.invoice_number,
        row.asin,
        row.deduction_type,
        row.sub_type,
        row.quantity,
        row.amount,
        row.reported_currency or row.currency,
        row.issue_date,
        row.description,
    )


def _issue_order(amazon_id: str) -> tuple:
    """Issue IDs compare as numbers when they are numbers (`999` before `1000`)."""
    digits = amazon_id.replace("-", "")
    return (0, int(digits), amazon_id) if digits.isdigit() else (1, 0, amazon_id)


def duplicate_of(bundle: Bundle):
    """The row with a lower Issue ID this deduction repeats exactly, if any (the lowest of them)."""
    cb = bundle.chargeback
    if cb.family == DeductionFamily.PROVISION:
        return None  # holdbacks sized from receipts: equal amounts are coincidence, not a second charge
    mine, order = _duplicate_key(cb), _issue_order(cb.amazon_id)
    earlier = [
        row
        for row in bundle.siblings
        if row.amazon_id != cb.amazon_id and _duplicate_key(row) == mine and _issue_order(row.amazon_id) < order
    ]
    return min(earlier, key=lambda row: _issue_order(row.amazon_id), default=None)


# Amazon's own status for a deduction it took back (report files spell it in several ways).
REVERSED_STATUSES = {"reversed", "waived", "refunded", "cancelled", "canceled", "credited"}


def _credit_numbers(cb, root: str) -> set[str]:
    """Document numbers that carry a credit for this deduction."""
    own = cb.amazon_id
    numbers = {own, f"{own}R", f"{own}{CHARGEBACK_CREDIT}"}
    if cb.family == DeductionFamily.SHORTAGE and root:
        numbers |= {f"{root}SCR", f"{root}SCRSCR"}
    return numbers


def reversed_amount(bundle: Bundle) -> tuple[Decimal, list[str]]:
    """What Amazon already gave back, each credit counted once: its status, a reversal of the claim on
    the invoice (`…SCR`, in the invoice export and/or the remittance), or a chargeback reversal
    (`<IssueID>VCBSINVR`, "… ISSUE ID <id>"). Debit or credit is read from the sign."""
    cb = bundle.chargeback
    if cb.amazon_status.strip().lower() in REVERSED_STATUSES:
        return cb.amount, [f"Amazon's status is {cb.amazon_status}"]
    root = bundle.invoice.root_number if bundle.invoice is not None else invoice_root(cb)
    numbers = _credit_numbers(cb, root)
    credits: dict[str, tuple[Decimal, str]] = {}  # document number -> (amount, where), one credit each
    for invoice in bundle.chain:
        if invoice.amount > 0 and invoice.number in numbers:
            # A credit with lines reverses the claim's item only; one without lines, the whole claim.
            all_lines = bundle.chain_lines.get(invoice.id, [])
            lines = [ln for ln in all_lines if not cb.asin or ln.asin == cb.asin]
            amount = sum((ln.amount for ln in lines), Decimal(0)) if all_lines else invoice.amount
            if amount > 0:
                credits[invoice.number] = (amount, f"credit {invoice.number} of {invoice.invoice_date}")
    paid: dict[str, list] = {}
    for line in bundle.remittance_lines:
        named = line.invoice_number in numbers or line.chargeback_id == cb.amazon_id
        if line.amount > 0 and named and line.invoice_number != cb.amazon_id + CHARGEBACK_DEBIT:
            paid.setdefault(line.invoice_number, []).append(line)
    for number, lines in paid.items():
        amount = sum((line.amount for line in lines), Decimal(0))
        # The same credit shows in the invoice export and in the payment: counted once, the larger.
        if amount > credits.get(number, (Decimal(0), ""))[0]:
            where = "; ".join(f"{number} paid in {ln.remittance__payment_number} on {ln.remittance__payment_date}"
                              for ln in lines)  # fmt: skip
            credits[number] = (amount, where)
    total = sum((amount for amount, _ in credits.values()), Decimal(0))
    return min(total, cb.amount), [where for _, where in credits.values()]


def apply_common(bundle: Bundle, finding: Finding) -> tuple[bool, Decimal]:
    """Add the shared checks to a finding; returns (is a duplicate, amount already reversed)."""
    cb = bundle.chargeback
    finding.checks[:0] = currency_checks(bundle)
    for line in bundle.remittance_lines:
        if line.invoice_number in (cb.amazon_id, cb.amazon_id + CHARGEBACK_DEBIT) and line.amount < 0:
            finding.add(
                "common.deducted",
                CheckStatus.INFO,
                gettext_noop("Deducted in payment %(remittance__payment_number)s on %(remittance__payment_date)s."),
                remittance__payment_number=line.remittance__payment_number,
                remittance__payment_date=line.remittance__payment_date,
            )
    duplicate = duplicate_of(bundle)
    if duplicate is not None:
        finding.add(
            "common.duplicate",
            CheckStatus.SUPPORTS_DISPUTE,
            gettext_noop(
                "Exact duplicate of %(amazon_id)s of %(issue_date)s: the same %(amount)s %(currency)s charged "
                "again for the same thing."
            ),
            amazon_id=duplicate.amazon_id,
            issue_date=duplicate.issue_date,
            amount=f"{cb.amount:,.2f}",
            currency=cb.currency,
        )
    reversed_total, where = reversed_amount(bundle)
    if reversed_total:
        finding.add(
            "common.reversed",
            CheckStatus.SUPPORTS_AMAZON,
            gettext_noop("Amazon already gave back %(reversed_total)s %(currency)s (%(where)s)."),
            reversed_total=f"{reversed_total:.2f}",
            currency=cb.currency,
            where="; ".join(where),
        )
    return duplicate is not None, reversed_total
