"""The columns of each Vendor Central download ACORN reads, with the header spellings seen for them.

No official schema is published (docs/AMAZON.md, § formats): the names below are Amazon's as
quoted by agencies and tools (amazowl, Reason Automation, SupplyPike, CommerceIQ, an open-source
remittance importer), in the UI's words ("Payment Number") and the exports' (`invoice_number`).
Headers are compared after `header_key()`: case, spaces, punctuation and underscores do not count,
so "PO #", "po_number" and "PO Number" are one header. Anything else is mapped per organization
with a `ColumnMapping` (source header → field name here).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    CHARGEBACKS = "chargebacks", _("Chargebacks / defect list")
    INVOICES = "invoices", _("Invoices (with shortage and price claims)")
    REMITTANCES = "remittances", _("Remittances (payments)")
    COOP = "coop", _("Co-op invoices")
    RETURNS = "returns", _("Vendor returns")
    COOP_AGREEMENTS = "coop_agreements", _("Co-op agreements (signed terms)")


def header_key(text) -> str:
    """A header reduced to lowercase letters and digits: `PO #` → `po`, `Invoice_Number` → `invoicenumber`."""
    return re.sub(r"[^0-9a-z]+", "", str(text or "").lower())


@dataclass(frozen=True)
class Column:
    """One field a report can carry: how it is parsed and the headers it appears under."""

    field: str
    label: str
    parser: str  # "text", "decimal", "integer", "date", "currency"
    aliases: tuple[str, ...] = ()

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(header_key(name) for name in (self.label, self.field, *self.aliases))


@dataclass(frozen=True)
class Section:
    """A header row and the rows under it. A remittance sheet has two: the payments, then their invoices."""

    name: str
    columns: tuple[Column, ...]
    required: tuple[str, ...]  # fields a header row must have for this section
    one_of: tuple[tuple[str, ...], ...] = ()  # and at least one field of each of these groups

    def column(self, field: str) -> Column | None:
        return next((column for column in self.columns if column.field == field), None)

    def label(self, field: str) -> str:
        column = self.column(field)
        return column.label if column else field


def _text(field, label, *aliases):
    return Column(field, label, "text", aliases)


def _amount(field, label, *aliases):
    return Column(field, label, "decimal", aliases)


def _date(field, label, *aliases):
    return Column(field, label, "date", aliases)


def _integer(field, label, *aliases):
    return Column(field, label, "integer", aliases)


_CURRENCY = Column("currency", "Currency", "currency", ("Currency Code", "Invoice Currency", "Payment Currency"))
_PO = _text("po_number", "PO Number", "PO", "PO #", "Purchase Order", "Purchase Order Number", "PO ID")
_ASIN = _text("asin", "ASIN")

CHARGEBACKS = Section(
    "defect list",
    (
        _text("amazon_id", "Issue ID", "Chargeback ID", "Defect ID", "Chargeback Number", "Issue Number", "ID"),
        _text("deduction_type", "Chargeback Type", "Issue Type", "Defect Type", "Type", "Chargeback Category"),
        _text("sub_type", "Sub Type", "Subtype", "Chargeback Sub Type", "Sub-infraction", "Infraction", "Reason"),
        _amount("amount", "Amount", "Chargeback Amount", "Charge Amount", "Fee", "Fee Amount", "Total Amount"),
        _CURRENCY,
        _date("issue_date", "Issue Date", "Chargeback Date", "Defect Date", "Charge Date", "Created Date", "Date"),
        _PO,
        _ASIN,
        _integer("quantity", "Quantity", "Units", "Defective Units", "Impacted Units", "Qty"),
        _text("invoice_number", "Invoice Number", "Invoice", "Invoice ID", "Debit Note"),
        _text("amazon_status", "Status", "Chargeback Status", "Charge Status", "Charged/Waived"),
        _text("amazon_dispute_id", "Dispute ID", "Case ID"),
        _text("description", "Description", "Notes", "Comments"),
    ),
    required=("amazon_id", "deduction_type", "amount", "issue_date"),
)

INVOICES = Section(
    "invoices",
    (
        _text("number", "Invoice Number", "Invoice", "Invoice ID", "Invoice No"),
        _date("invoice_date", "Invoice Date"),
        _date("due_date", "Payment Due Date", "Due Date"),
        _amount("amount", "Invoice Amount", "Amount", "Invoice Total"),
        _CURRENCY,
        _PO,
        _text("status", "Invoice Status", "Status"),
        _text("invoice_type", "Invoice Type", "Document Type"),
        _text("claim_type", "Claim Type", "Deduction Type", "Discrepancy Type"),
        _date("creation_date", "Invoice Creation Date", "Creation Date"),
        _amount("paid_amount", "Actual Paid Amount", "Paid Amount", "Amount Paid"),
        _text("payee", "Payee"),
    ),
    required=("number", "invoice_date", "amount"),
)

REMITTANCE_DETAIL = Section(
    "payment details",
    (
        _text("payment_number", "Payment Number", "Payment ID", "Payment No"),
        _text("invoice_number", "Invoice Number", "Invoice ID", "Document Number"),
        _date("invoice_date", "Invoice Date", "Document Date"),
        _amount("invoice_amount", "Invoice Amount", "Document Amount"),
        _amount("net_amount", "Net Amount Paid", "Amount Paid", "Paid Amount", "Amount In Payment Currency"),
        _amount("discount", "Discount Taken", "Discount", "Terms Discount Taken"),
        _text("description", "Description", "Invoice Description", "Remark"),
        _date("payment_date", "Payment Date"),
        _CURRENCY,
    ),
    required=("payment_number", "invoice_number"),
    one_of=(("net_amount", "invoice_amount"),),
)

REMITTANCE_SUMMARY = Section(
    "payments",
    (
        _text("payment_number", "Payment Number", "Payment ID", "Payment No"),
        _date("payment_date", "Payment Date"),
        _text("payment_status", "Payment Status", "Status"),
        _amount("amount", "Payment Amount", "Net Amount Paid", "Amount Paid", "Invoice Amount", "Total Amount"),
        _text("payment_method", "Payment Method", "Payment Type"),
        _CURRENCY,
    ),
    required=("payment_number", "payment_date"),
    one_of=(("amount",),),
)

COOP = Section(
    "co-op invoices",
    (
        _text("amazon_id", "Invoice ID", "Invoice Number", "Co-op Invoice ID", "Coop Invoice Number"),
        _date("issue_date", "Invoice Date", "Date"),
        _amount("amount", "Original Balance", "Invoice Amount", "Amount", "Total Amount"),
        _CURRENCY,
        _text("agreement_id", "Agreement ID", "Agreement Number"),
        _text("agreement_title", "Agreement Title", "Agreement Name"),
        Column("rate_percent", "Rate Percent", "decimal", ("Rate", "Rate %", "Accrual Rate")),
        _amount("base_amount", "Base Amount", "Accrual Base", "Calculation Base"),
        _text("sub_type", "Activity Type", "Funding Type", "Program", "Agreement Type"),
        _text("amazon_status", "Status", "Invoice Status"),
        _PO,
        _ASIN,
        _text("description", "Description", "Notes"),
    ),
    required=("amazon_id", "issue_date", "amount"),
)

RETURNS = Section(
    "vendor returns",
    (
        _text("amazon_id", "Request ID", "Return ID", "Return Request ID", "RTV ID"),
        _date("issue_date", "Request Date", "Return Date", "Creation Date", "Created Date", "Date"),
        _text("vendor_code", "Vendor Code"),
        _text("sub_type", "Condition", "Return Reason", "Reason"),
        _text("amazon_status", "Status"),
        _integer("requested_quantity", "Requested Quantity", "Requested Qty"),
        _integer("approved_quantity", "Approved Quantity", "Approved Qty"),
        _amount("requested_refund", "Requested Refund", "Requested Amount"),
        _amount("approved_refund", "Approved Refund", "Approved Amount", "Refund Amount"),
        _CURRENCY,
        _text("next_action", "Next Automated Action"),
        _text("warehouse", "Warehouse", "Fulfillment Center", "FC"),
        _text("authorization_id", "Authorization ID", "Return Authorization ID", "RMA"),
        _ASIN,
        _PO,
        _text("invoice_number", "Invoice Number", "Return Invoice Number", "Debit Note Number"),
    ),
    required=("amazon_id", "issue_date"),
    one_of=(("approved_refund", "requested_refund"),),
)

COOP_AGREEMENTS = Section(
    "co-op agreements",
    (
        _text("agreement_id", "Agreement ID", "Agreement Number"),
        _text("vendor_code", "Vendor Code"),
        _text("title", "Title", "Agreement Title", "Agreement Name"),
        _text("funding_type", "Funding Type", "Activity Type"),
        Column("rate_percent", "Rate Percent", "decimal", ("Rate", "Rate %")),
        _amount("flat_amount", "Flat Amount", "Flat Fee"),
        _text("calculation_base", "Calculation Base", "Base"),
        _text("billing", "Billing"),
        _CURRENCY,
        _date("active_from", "Active From", "Start Date", "Starts On"),
        _date("active_to", "Active To", "End Date", "Ends On"),
        # `2024-07-01/2024-07-31: reason; 2024-11-01/2024-11-30` (ISO dates, whatever the locale)
        _text("waived_periods", "Waived Periods", "Waivers"),
    ),
    required=("agreement_id", "vendor_code", "active_from"),
)

SECTIONS: dict[str, tuple[Section, ...]] = {
    ReportKind.CHARGEBACKS: (CHARGEBACKS,),
    ReportKind.INVOICES: (INVOICES,),
    # The detail header is tried first: it is the more specific one (it also names invoices).
    ReportKind.REMITTANCES: (REMITTANCE_DETAIL, REMITTANCE_SUMMARY),
    ReportKind.COOP: (COOP,),
    ReportKind.RETURNS: (RETURNS,),
    ReportKind.COOP_AGREEMENTS: (COOP_AGREEMENTS,),
}


def mappable_fields(kind: str) -> list[tuple[str, str]]:
    """(field, label) pairs a ColumnMapping may point a header at for this kind of report."""
    seen: dict[str, str] = {}
    for section in SECTIONS[kind]:
        for column in section.columns:
            seen.setdefault(column.field, column.label)
    return sorted(seen.items())
