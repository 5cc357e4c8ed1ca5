"""Data from Amazon as received, with our translated label beside it where we have one.

Amazon's deduction type codes and statuses are shown exactly as they arrived (marked `lang="en"`, so
a reader and a screen reader know they are Amazon's words); our label for the catalogue's types
(`refunds/data/catalogue.json`, by code or alias) and for the statuses we know follows in the reader's
language. An unknown code or status is shown alone: we never guess.
"""

from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# The catalogue's types (refunds/data/catalogue.json): code and aliases → our name for it.
_TYPES = {
    ("po_on_time", "po_on_time_accuracy"): _("PO on-time accuracy"),
    ("rejected_po_rate",): _("Rejected PO rate"),
    ("overage_po_units", "overage"): _("Overage PO units"),
    ("unconfirmed_po_units",): _("Unconfirmed PO units"),
    ("asn_accuracy", "asn", "late_asn", "missing_asn", "asn_on_time"): _("ASN accuracy"),
    ("carton_content_label", "no_carton_content_label", "carton_label", "ccl"): _("No carton content label"),
    ("carton_content_accuracy",): _("Carton content accuracy"),
    ("non_compliant_barcode", "barcode"): _("Non-compliant barcode"),
    ("no_po_label",): _("No PO label on carton"),
    ("prep", "prep_issues"): _("Prep"),
    ("sioc",): _("Ships in own container / FFP"),
    ("no_show",): _("No show"),
    ("rejected_delivery",): _("Rejected delivery"),
    ("pickup_accuracy",): _("Pickup accuracy"),
    ("import_late_booking",): _("Import shipment late booking"),
    ("import_documents_late",): _("Import documents delivered late"),
    ("import_po_on_time",): _("Import PO on-time non-compliance"),
    ("paper_invoice",): _("Paper invoice"),
    ("df_cancellation",): _("Direct Fulfillment cancellation"),
    ("shortage", "shortage_claim", "pqv"): _("Shortage claim (PQV)"),
    ("price_claim", "price", "ppv", "price_discrepancy"): _("Price claim (PPV)"),
    ("coop", "co_op", "coop_accrual"): _("Co-op / accrual deduction"),
    ("rtv", "return", "vendor_return", "vendor_returns", "damage"): _("Vendor return (RTV) debit"),
    ("provision", "provision_for_receivables", "holdback"): _("Provision (holdback)"),
}
TYPE_LABELS = {code: label for codes, label in _TYPES.items() for code in codes}

# Statuses Amazon's reports and feeds use for a deduction or an invoice, lower-cased.
STATUS_LABELS = {
    "open": _("Open"),
    "pending": _("Pending"),
    "charged": _("Charged"),
    "debited": _("Debited"),
    "invoiced": _("Invoiced"),
    "held": _("Held"),
    "paid": _("Paid"),
    "disputed": _("Disputed"),
    "approved": _("Approved"),
    "denied": _("Denied"),
    "rejected": _("Rejected"),
    "reversed": _("Reversed"),
    "waived": _("Waived"),
    "refunded": _("Refunded"),
    "credited": _("Credited"),
    "cancelled": _("Cancelled"),
    "canceled": _("Cancelled"),
    "closed": _("Closed"),
    "resolved": _("Resolved"),
}


def type_label(code: str):
    """Our name for Amazon's deduction type code, or None."""
    return TYPE_LABELS.get((code or "").strip().lower().replace("-", "_").replace(" ", "_"))


def status_label(status: str):
    """Our word for Amazon's status, or None."""
    return STATUS_LABELS.get((status or "").strip().lower())


def as_received(value: str, label=None):
    """Amazon's value as received (lang="en"), then our label in brackets when we have one."""
    if not value:
        return ""
    if label is None:
        return format_html('<span lang="en" class="amazon-data">{}</span>', value)
    return format_html(
        '<span lang="en" class="amazon-data">{}</span> <span class="our-label">{}</span>',
        value,
        gettext("(%(label)s)") % {"label": label},
    )


def deduction_type_html(code: str):
    return as_received(code, type_label(code))


def amazon_status_html(status: str):
    return as_received(status, status_label(status))
