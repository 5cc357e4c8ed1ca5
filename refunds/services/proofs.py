"""Proofs of delivery: the carrier's POD or bill of lading for a shipment, written as documents of their own.

Keyed by (account, shipment id, kind) and not tied to a stored `Shipment`, so a POD pushed before
its ASN is kept and joins it when the ASN arrives. Idempotent like every ingest: the same record
again changes nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from django.db import transaction

from refunds.choices import DeliveryDocumentKind
from refunds.identifiers import normalize_po_number
from refunds.models import ProofOfDelivery
from refunds.services.checks import check_values
from refunds.services.records import IngestError, IngestResult, ProofOfDeliveryRecord

_FIELDS = [f.name for f in dataclasses.fields(ProofOfDeliveryRecord)]


def _problems(account, record) -> list[tuple[str, str]]:
    if not isinstance(record, ProofOfDeliveryRecord):
        return [("", f"expected a ProofOfDeliveryRecord, got {type(record).__name__}")]
    errors: list[tuple[str, str]] = []
    values = {name: getattr(record, name) for name in _FIELDS if name != "po_numbers"}
    check_values(ProofOfDelivery, values, account, "", errors)
    if not str(record.shipment_id or "").strip():
        errors.append(("shipment_id", "is required"))
    if record.kind not in DeliveryDocumentKind.values:
        errors.append(("kind", f"must be one of {', '.join(DeliveryDocumentKind.values)}"))
    if not isinstance(record.po_numbers, list) or not all(isinstance(n, str) for n in record.po_numbers):
        errors.append(("po_numbers", "must be a list of PO numbers"))
    return errors


def upsert_proofs_of_delivery(*, account, records: Iterable[ProofOfDeliveryRecord]) -> IngestResult:
    """Create or update proofs of delivery; the result names the POs and shipments for re-matching."""
    result = IngestResult(kind="proofs_of_delivery")
    for record in records:
        key = f"{getattr(record, 'shipment_id', '')}:{getattr(record, 'kind', '')}"
        errors = _problems(account, record)
        if errors:
            result.rejected += 1
            result.errors.extend(IngestError(key, name, message) for name, message in errors)
            continue
        values = {name: getattr(record, name) for name in _FIELDS}
        values["shipment_id"] = values["shipment_id"].strip()
        with transaction.atomic():
            old = (
                ProofOfDelivery.objects.select_for_update()
                .filter(account=account, shipment_id=values["shipment_id"], kind=values["kind"])
                .first()
            )
            if old is None:
                ProofOfDelivery.objects.create(account=account, **values)
                result.created += 1
            elif any(getattr(old, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(old, name, value)
                old.save()
                result.updated += 1
            else:
                result.unchanged += 1
                continue
        result.po_numbers |= {normalize_po_number(n) for n in values["po_numbers"]} - {""}
        result.invoice_numbers.add(values["shipment_id"])  # vendors often use the invoice number as shipment id
    return result
