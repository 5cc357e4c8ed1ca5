"""Deduction types in words: "Price claim (PPV)" where the data says `price_claim`.

Families, states and recommendations are TextChoices and read through their labels; a deduction
type is a free code (Vendor Central, report files and ERPs spell them differently). The catalogue's
types (refunds/data/catalogue.json) and the spellings it lists as aliases read as the catalogue's
name, translated; any other code reads as words ("late_pallet" → "Late pallet").
"""

from django.utils.translation import gettext_lazy as _

_NAMES = {
    "po_on_time": _("PO On-Time Accuracy"),
    "rejected_po_rate": _("Rejected PO Rate"),
    "overage_po_units": _("Overage PO Units"),
    "unconfirmed_po_units": _("Unconfirmed PO Units"),
    "asn_accuracy": _("ASN Accuracy"),
    "carton_content_label": _("No Carton Content Label"),
    "carton_content_accuracy": _("Carton Content Accuracy"),
    "non_compliant_barcode": _("Non-Compliant Barcode"),
    "no_po_label": _("No PO Label on Carton"),
    "prep": _("Prep"),
    "sioc": _("Ships in Own Container / FFP"),
    "no_show": _("No Show"),
    "rejected_delivery": _("Rejected Delivery"),
    "pickup_accuracy": _("Pickup Accuracy"),
    "import_late_booking": _("Import Shipment Late Booking"),
    "import_documents_late": _("Import Documents Late Delivery"),
    "import_po_on_time": _("Import PO On-Time Non-Compliance"),
    "paper_invoice": _("Paper Invoice"),
    "df_cancellation": _("Direct Fulfillment cancellation"),
    "shortage": _("Shortage claim (PQV)"),
    "price_claim": _("Price claim (PPV)"),
    "coop": _("Co-op / accrual deduction"),
    "rtv": _("Vendor return (RTV) debit"),
    "provision": _("Provision (holdback)"),
}
_ALIASES = {
    "po_on_time_accuracy": "po_on_time",
    "overage": "overage_po_units",
    "asn": "asn_accuracy",
    "late_asn": "asn_accuracy",
    "missing_asn": "asn_accuracy",
    "asn_on_time": "asn_accuracy",
    "no_carton_content_label": "carton_content_label",
    "carton_label": "carton_content_label",
    "ccl": "carton_content_label",
    "barcode": "non_compliant_barcode",
    "prep_issues": "prep",
    "shortage_claim": "shortage",
    "pqv": "shortage",
    "price": "price_claim",
    "ppv": "price_claim",
    "price_discrepancy": "price_claim",
    "co_op": "coop",
    "coop_accrual": "coop",
    "return": "rtv",
    "vendor_return": "rtv",
    "vendor_returns": "rtv",
    "damage": "rtv",
    "provision_for_receivables": "provision",
    "holdback": "provision",
}


def type_label(code: str) -> str:
    """The words for a deduction type code, in the reader's language where the catalogue knows it."""
    if not code:
        return ""
    key = code.strip().lower()
    name = _NAMES.get(_ALIASES.get(key, key))
    if name is not None:
        return str(name)
    words = key.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]
