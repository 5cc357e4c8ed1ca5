"""What is stored, read back as records, and how it differs from what a source says.

`stored_records(account, kind)` rebuilds the record dataclasses of `refunds.services.records` from
the database (record field names are model field names), so a stored document can be compared with
a freshly fetched one field by field: `verify_source` does that for a sample, the sync tests for
everything the simulator generated.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from datasources.connectors.base import RECORD_KEYS, DocumentKind
from refunds import models as vc
from refunds.services import records as rec

# kind → (document model, record class, [(record attribute, line model, line record, parent FK, line key)])
SHAPES = {
    DocumentKind.PURCHASE_ORDERS: (
        vc.PurchaseOrder,
        rec.PurchaseOrderRecord,
        [("items", vc.PurchaseOrderItem, rec.PurchaseOrderItemRecord, "purchase_order", "item_sequence_number")],
    ),
    DocumentKind.SHIPMENTS: (
        vc.Shipment,
        rec.ShipmentRecord,
        [
            ("items", vc.ShipmentItem, rec.ShipmentItemRecord, "shipment", "item_sequence_number"),
            ("cartons", vc.Carton, rec.CartonRecord, "shipment", "sequence_number"),
        ],
    ),
    DocumentKind.INVOICES: (
        vc.Invoice,
        rec.InvoiceRecord,
        [("lines", vc.InvoiceLine, rec.InvoiceLineRecord, "invoice", "line_number")],
    ),
    DocumentKind.REMITTANCES: (
        vc.Remittance,
        rec.RemittanceRecord,
        [("lines", vc.RemittanceLine, rec.RemittanceLineRecord, "remittance", "line_number")],
    ),
    DocumentKind.CHARGEBACKS: (vc.Chargeback, rec.ChargebackRecord, []),
}
LINE_KEYS = {"items": "item_sequence_number", "cartons": "sequence_number", "lines": "line_number"}


def _plain_fields(record_cls, exclude: Iterable[str] = ()) -> list[str]:
    return [f.name for f in dataclasses.fields(record_cls) if f.name not in exclude]


def stored_records(account, kind: str, keys: Iterable[str] | None = None) -> dict[str, object]:
    """The account's stored documents of `kind` as records, by natural key (all, or only `keys`)."""
    model, record_cls, line_shapes = SHAPES[kind]
    key = RECORD_KEYS[kind]
    fields = _plain_fields(record_cls, exclude=[shape[0] for shape in line_shapes])
    queryset = model.objects.filter(account=account)
    if keys is not None:
        queryset = queryset.filter(**{f"{key}__in": list(keys)})
    rows = {row.pop("id"): row for row in queryset.values("id", *fields)}
    lines: dict[str, dict[int, list]] = {}
    for attr, line_model, line_cls, parent, _line_key in line_shapes:
        by_parent: dict[int, list] = {pk: [] for pk in rows}
        for line in line_model.objects.filter(**{f"{parent}_id__in": list(rows)}).values(
            f"{parent}_id", *_plain_fields(line_cls)
        ):
            by_parent[line.pop(f"{parent}_id")].append(line_cls(**line))
        lines[attr] = by_parent
    return {row[key]: record_cls(**row, **{attr: lines[attr][pk] for attr in lines}) for pk, row in rows.items()}


def differences(expected, actual, prefix: str = "") -> list[str]:
    """Field-by-field differences between two records (lines matched by their line key)."""
    found = []
    for f in dataclasses.fields(expected):
        want, have = getattr(expected, f.name), getattr(actual, f.name)
        if f.name in LINE_KEYS and isinstance(want, list) and want and dataclasses.is_dataclass(want[0]):
            found += _line_differences(f.name, want, have, prefix)
        elif want != have:
            found.append(f"{prefix}{f.name}: expected {want!r}, stored {have!r}")
    return found


def _line_differences(attr: str, want: list, have: list, prefix: str) -> list[str]:
    key = LINE_KEYS[attr]
    wanted = {getattr(line, key): line for line in want}
    stored = {getattr(line, key): line for line in have}
    found = [f"{prefix}{attr}[{k}]: missing" for k in wanted.keys() - stored.keys()]
    found += [f"{prefix}{attr}[{k}]: not expected" for k in stored.keys() - wanted.keys()]
    for k in wanted.keys() & stored.keys():
        found += differences(wanted[k], stored[k], f"{prefix}{attr}[{k}].")
    return found


def compare_kind(expected: dict[str, object], stored: dict[str, object]) -> list[str]:
    """Every difference between expected and stored records of one kind, by natural key."""
    found = [f"{k}: missing" for k in sorted(expected.keys() - stored.keys())]
    found += [f"{k}: not expected" for k in sorted(stored.keys() - expected.keys())]
    for k in sorted(expected.keys() & stored.keys()):
        found += [f"{k}: {text}" for text in differences(expected[k], stored[k])]
    return found
