"""Parsed report rows → ingest records, one builder per kind of report.

Amounts: deductions are stored positive (a chargeback's amount is what Amazon took), while the
invoice and payment exports print what Amazon takes as negative; invoices and remittance lines
keep the sign they have (refunds.identifiers decides debit or credit by it). Type codes are the
type names as slugs ("PO On-Time Accuracy" → `po_on_time_accuracy`), the codes the simulator and
the policy rules use.
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from refunds.choices import DeductionFamily, InvoiceDateSource, InvoiceType
from refunds.identifiers import chargeback_issue_id, parse_invoice_number
from refunds.services.records import (
    ChargebackRecord,
    InvoiceRecord,
    RemittanceLineRecord,
    RemittanceRecord,
)

if TYPE_CHECKING:
    from datasources.connectors.report_files import Context, ParsedReport, ParsedRow

CHARGEBACKS, INVOICES, REMITTANCES = "chargebacks", "invoices", "remittances"


def type_code(name: str) -> str:
    """`ASN Accuracy` → `asn_accuracy`: the catalogue's code for a type name as Amazon prints it."""
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")[:80]


def build(context: Context, rows: list[ParsedRow], report: ParsedReport) -> None:
    """Fill `report.records` from the parsed rows of one file (rows with cell errors are skipped)."""
    builder = _BUILDERS[context.kind]
    bad = report.bad_rows
    builder(context, [row for row in rows if (row.sheet, row.number) not in bad], report)


def _required(row: ParsedRow, report: ParsedReport, *fields: str) -> bool:
    missing = [name for name in fields if row.values.get(name) in (None, "")]
    for name in missing:
        report.error(row, name, "is required")
    return not missing


def _currency(values: dict, context) -> tuple[str, str]:
    """(currency, label as received): a deduction is in the account's currency whatever its row says.

    Vendor Central prints a few rows of a US account with `CAD`; the number is in dollars. The row is
    kept in the account's currency and the label is kept beside it, so the case can say so.
    """
    label = values.get("currency", "")
    return context.currency, label if label and label != context.currency else ""


def _deduction(context, row, report, *, family: str, deduction_type: str, amount, **extra) -> None:
    values = row.values
    currency, reported = _currency(values, context)
    record = ChargebackRecord(
        amazon_id=values["amazon_id"],
        family=family,
        deduction_type=deduction_type,
        amount=abs(amount),
        currency=currency,
        reported_currency=reported,
        issue_date=values["issue_date"],
        sub_type=values.get("sub_type", "")[:120],
        po_number=values.get("po_number", ""),
        asin=values.get("asin", ""),
        amazon_status=values.get("amazon_status", ""),
        **extra,
    )
    report.add(CHARGEBACKS, record.amazon_id, record, row)


# --------------------------------------------------------------------------------------------------


def _chargebacks(context, rows, report) -> None:
    for row in rows:
        if not _required(row, report, "amazon_id", "deduction_type", "amount", "issue_date"):
            continue
        values = row.values
        _deduction(
            context,
            row,
            report,
            family=DeductionFamily.OPERATIONAL,
            deduction_type=type_code(values["deduction_type"]),
            amount=values["amount"],
            quantity=values.get("quantity"),
            invoice_number=values.get("invoice_number", ""),
            amazon_dispute_id=values.get("amazon_dispute_id", ""),
            description=values.get("description", ""),
        )


def _coop(context, rows, report) -> None:
    for row in rows:
        if not _required(row, report, "amazon_id", "amount", "issue_date"):
            continue
        values = row.values
        agreement = " · ".join(v for v in (values.get("agreement_id"), values.get("agreement_title")) if v)
        description = "\n".join(
            v for v in (f"Agreement {agreement}" if agreement else "", values.get("description")) if v
        )
        _deduction(
            context,
            row,
            report,
            family=DeductionFamily.COOP,
            deduction_type=type_code(values.get("sub_type") or "coop"),
            amount=values["amount"],
            description=description,
            coop_agreement_id=values.get("agreement_id", "")[:64],
            coop_rate_percent=values.get("rate_percent"),
            coop_base_amount=values.get("base_amount"),
        )


def _returns(context, rows, report) -> None:
    for row in rows:
        if not _required(row, report, "amazon_id", "issue_date"):
            continue
        values = row.values
        amount = values.get("approved_refund", values.get("requested_refund"))
        if amount is None:
            report.error(row, "approved_refund", "is required (or a requested refund)")
            continue
        notes = [
            f"{label}: {values[name]}"
            for name, label in (
                ("authorization_id", "Authorization"),
                ("warehouse", "Warehouse"),
                ("next_action", "Next automated action"),
                ("vendor_code", "Vendor code"),
            )
            if values.get(name)
        ]
        _deduction(
            context,
            row,
            report,
            family=DeductionFamily.RETURN,
            deduction_type="vendor_return",
            amount=amount,
            quantity=values.get("approved_quantity", values.get("requested_quantity")),
            invoice_number=values.get("invoice_number", ""),
            description="\n".join(notes),
        )


# --------------------------------------------------------------------------------------------------


def _invoices(context, rows, report) -> None:
    for row in rows:
        if not _required(row, report, "number", "invoice_date", "amount"):
            continue
        values = row.values
        try:
            parsed = parse_invoice_number(values["number"])
        except ValueError as exc:
            report.error(row, "number", str(exc), values["number"])
            continue
        kind = values.get("invoice_type", "")
        record = InvoiceRecord(
            number=parsed.number,
            invoice_date=values["invoice_date"],
            amount=values["amount"],
            currency=values.get("currency", context.currency),
            invoice_type=InvoiceType.CREDIT_NOTE if "credit" in kind.lower() else InvoiceType.INVOICE,
            due_date=values.get("due_date"),
            po_number=values.get("po_number", ""),
            status=values.get("status", "")[:40],
            date_source=InvoiceDateSource.VENDOR_CENTRAL,
        )
        report.add(INVOICES, record.number, record, row)
        # Debit or credit by the sign: `…SC` and `…PC` rows are negative, their `…R` reversals positive.
        if parsed.is_derivative and values["amount"] < 0:
            _claim(context, row, report, parsed, record)


def _claim(context, row, report, parsed, invoice: InvoiceRecord) -> None:
    """A derivative invoice Amazon debits is a claim against its root invoice: `…PC` a price claim,
    `…SC` a shortage claim (or a price claim when the file's claim type says so).

    The claim names only the invoice: its PO, items and costs come through the root invoice's lines.
    """
    said = f"{row.values.get('claim_type', '')} {invoice.status}".lower()
    is_price = parsed.claim_kind == "PC" or "price" in said
    record = ChargebackRecord(
        amazon_id=parsed.number,
        family=DeductionFamily.PRICE if is_price else DeductionFamily.SHORTAGE,
        deduction_type="price_claim" if is_price else "shortage",
        amount=-invoice.amount,
        currency=invoice.currency,
        issue_date=invoice.invoice_date,
        po_number=invoice.po_number,
        invoice_number=parsed.root,
        amazon_status=invoice.status,
    )
    report.add(CHARGEBACKS, record.amazon_id, record, row)


# --------------------------------------------------------------------------------------------------


def _remittances(context, rows, report) -> None:
    """Payments from the summary section, their lines from the detail section, joined by payment number."""
    summaries, lines = {}, defaultdict(list)
    for row in rows:
        if not _required(row, report, "payment_number"):
            continue
        if row.section.name == "payments":
            if _required(row, report, "payment_date", "amount"):
                summaries.setdefault(row.values["payment_number"], row)
        elif _required(row, report, "invoice_number"):
            if row.values.get("net_amount", row.values.get("invoice_amount")) is None:
                report.error(row, "net_amount", "is required (or an invoice amount)")
                continue
            lines[row.values["payment_number"]].append(row)
    for number in dict.fromkeys([*summaries, *lines]):
        _remittance(context, report, number, summaries.get(number), lines.get(number, []))


def _remittance(context, report, number: str, summary, detail: list) -> None:
    records = [_remittance_line(context, index, row) for index, row in enumerate(detail, start=1)]
    if summary is not None:
        values, origin = summary.values, summary
    else:
        # A sheet with only the detail section: the payment is what its lines add up to.
        origin = detail[0]
        values = {**origin.values, "amount": sum((line.amount for line in records), start=Decimal(0))}
        if values.get("payment_date") is None:
            report.error(origin, "payment_date", f"payment {number} has no summary row and no payment date")
            return
    record = RemittanceRecord(
        payment_number=number,
        payment_date=values["payment_date"],
        amount=values["amount"],
        currency=values.get("currency", context.currency),
        payment_method=values.get("payment_method", "")[:40],
        lines=records,
    )
    report.add(REMITTANCES, number, record, origin)
    for index, row in enumerate(detail):
        report.origins[(REMITTANCES, f"{number}:lines[{index}]")] = row  # ingest names line errors so


def _remittance_line(context, index: int, row) -> RemittanceLineRecord:
    values = row.values
    amount = values.get("net_amount", values.get("invoice_amount"))
    return RemittanceLineRecord(
        line_number=index,
        invoice_number=values["invoice_number"],
        invoice_date=values.get("invoice_date"),
        amount=amount,
        currency=values.get("currency", context.currency),
        description=values.get("description", "")[:200],
        chargeback_id=chargeback_issue_id(values["invoice_number"], values.get("description", "")),
        discount=values.get("discount", Decimal(0)),
    )


_BUILDERS = {
    "chargebacks": _chargebacks,
    "invoices": _invoices,
    "remittances": _remittances,
    "coop": _coop,
    "returns": _returns,
}
