"""ASN lines that name only a GTIN (`vendorProductIdentifier`) get the ASIN of the PO item with that GTIN.

Vendors' ERPs often send the GTIN without Amazon's ASIN. The PO's items carry both, so the line is
mapped through its own PO; `asin_from_po` records that the ASIN was derived, not sent. It runs after
POs arrive and after ASNs arrive, so it works whichever comes first.
"""

from __future__ import annotations

from collections.abc import Iterable

from refunds.identifiers import normalize_po_number
from refunds.models import PurchaseOrderItem, ShipmentItem


def map_gtin_lines(account, *, po_numbers: Iterable[str] | None = None) -> int:
    """Fill the ASIN of GTIN-only ASN lines of these POs (all of the account's if None); how many were filled."""
    lines = ShipmentItem.objects.filter(shipment__account=account, asin="").exclude(vendor_sku="")
    if po_numbers is not None:
        wanted = {normalize_po_number(n) for n in po_numbers} - {""}
        if not wanted:
            return 0
        lines = lines.filter(po_number_normalized__in=wanted)
    lines = list(lines)
    if not lines:
        return 0
    items = PurchaseOrderItem.objects.filter(
        purchase_order__account=account,
        purchase_order__number_normalized__in={line.po_number_normalized for line in lines},
        vendor_sku__in={line.vendor_sku for line in lines},
    ).exclude(asin="")
    asins = {
        (item.purchase_order.number_normalized, item.vendor_sku): item.asin
        for item in items.select_related("purchase_order")
    }
    mapped = []
    for line in lines:
        asin = asins.get((line.po_number_normalized, line.vendor_sku))
        if asin:
            line.asin, line.asin_from_po = asin, True
            mapped.append(line)
    ShipmentItem.objects.bulk_update(mapped, ["asin", "asin_from_po"], batch_size=1000)
    return len(mapped)
