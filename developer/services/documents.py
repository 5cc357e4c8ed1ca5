"""Documents an ERP pushes: shipments (ASNs) with cartons, invoices, proofs of delivery, co-op agreements.

Each item goes through refunds' ingest service on its own (idempotent by natural key: a repeat
changes nothing), so every item gets its own outcome — created, updated, unchanged or rejected with
the fields at fault — and one bad item never blocks the others. Afterwards the deductions naming
the touched POs and invoices are re-evaluated (refunds.services.matching.schedule_for_documents).
"""

import dataclasses
from dataclasses import dataclass, field

from refunds.services import coop_agreements, ingest, proofs
from refunds.services.matching import schedule_for_documents
from refunds.services.records import IngestResult, InvoiceRecord, ShipmentRecord

MAX_ITEMS = 500


@dataclass
class ItemResult:
    index: int
    key: str
    status: str  # created, updated, unchanged, rejected
    errors: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"index": self.index, "key": self.key, "status": self.status, "errors": self.errors}


@dataclass
class BulkResult:
    items: list[ItemResult] = field(default_factory=list)
    po_numbers: set[str] = field(default_factory=set)
    invoice_numbers: set[str] = field(default_factory=set)

    def counts(self) -> dict[str, int]:
        totals = dict.fromkeys(("created", "updated", "unchanged", "rejected"), 0)
        for item in self.items:
            totals[item.status] += 1
        return totals


def _outcome(index: int, key: str, result: IngestResult) -> ItemResult:
    if result.rejected:
        errors = [{"field": e.field, "message": e.message} for e in result.errors]
        return ItemResult(index, key, "rejected", errors)
    status = "created" if result.created else "updated" if result.updated else "unchanged"
    return ItemResult(index, key, status)


def rejected(index: int, key: str, errors: list[dict]) -> ItemResult:
    return ItemResult(index, key, "rejected", errors)


def upsert_shipments(*, account, records: list[tuple[int, ShipmentRecord]], result: BulkResult) -> None:
    for index, record in records:
        outcome = _outcome(index, record.shipment_id, ingest.upsert_shipments(account=account, records=[record]))
        result.items.append(outcome)
        if outcome.status != "rejected":
            result.po_numbers |= {item.po_number for item in record.items if item.po_number}


def localize_invoice(account, record: InvoiceRecord) -> InvoiceRecord:
    """The pushed timestamp's date in the account's marketplace time zone is the invoice date.

    A US evening is the next day in UTC; Amazon's invoice date is the local one, so that is the one
    kept. (When Vendor Central states a date, ingest keeps VC's and this one aside.)
    """
    if record.pushed_at is None:
        return dataclasses.replace(record, pushed_date=record.invoice_date, pushed_due_date=record.due_date)
    local = record.pushed_at.astimezone(account.tz).date()
    return dataclasses.replace(record, invoice_date=local, pushed_date=local, pushed_due_date=record.due_date)


def upsert_invoices(*, account, records: list[tuple[int, object]], result: BulkResult) -> None:
    for index, record in records:
        said = record.invoice_date
        record = localize_invoice(account, record)
        if said is not None and said != record.invoice_date:
            message = (
                f"issued_at is {record.invoice_date} in {account.time_zone} but invoice_date says {said}; "
                "give one of them, or make them agree."
            )
            result.items.append(rejected(index, record.number, [{"field": "invoice_date", "message": message}]))
            continue
        outcome = _outcome(index, record.number, ingest.upsert_invoices(account=account, records=[record]))
        result.items.append(outcome)
        if outcome.status != "rejected":
            result.invoice_numbers.add(record.number)
            result.po_numbers |= {record.po_number} | {line.po_number for line in record.lines}


def upsert_proofs_of_delivery(*, account, records: list[tuple[int, object]], result: BulkResult) -> None:
    """Proofs of delivery as documents of their own (refunds.services.proofs), before or after the ASN."""
    for index, record in records:
        ingested = proofs.upsert_proofs_of_delivery(account=account, records=[record])
        outcome = _outcome(index, f"{record.shipment_id}:{record.kind}", ingested)
        result.items.append(outcome)
        result.po_numbers |= ingested.po_numbers
        result.invoice_numbers |= ingested.invoice_numbers


def upsert_coop_agreements(*, account, records: list[tuple[int, object]], result: BulkResult) -> None:
    """Co-op agreements (refunds.services.coop_agreements); the account's co-op deductions are re-judged."""
    for index, record in records:
        ingested = coop_agreements.upsert_coop_agreements(account=account, records=[record])
        result.items.append(_outcome(index, record.agreement_id, ingested))


def reevaluate(account, result: BulkResult) -> None:
    """Re-run matching for the deductions naming what changed (a task, after commit)."""
    if any(item.status in ("created", "updated") for item in result.items):
        schedule_for_documents(
            account.pk, po_numbers=sorted(result.po_numbers - {""}), invoice_numbers=sorted(result.invoice_numbers)
        )
