"""Documents an ERP pushes: shipments (ASNs) with cartons, invoices, proofs of delivery.

Each item goes through refunds' ingest service on its own (idempotent by natural key: a repeat
changes nothing), so every item gets its own outcome — created, updated, unchanged or rejected with
the fields at fault — and one bad item never blocks the others. Afterwards the deductions naming
the touched POs and invoices are re-evaluated (refunds.services.matching.schedule_for_documents).
"""

from dataclasses import dataclass, field

from refunds.models import Shipment
from refunds.services import ingest
from refunds.services.matching import schedule_for_documents
from refunds.services.records import CartonRecord, IngestResult, ShipmentItemRecord, ShipmentRecord

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


def upsert_invoices(*, account, records: list[tuple[int, object]], result: BulkResult) -> None:
    for index, record in records:
        outcome = _outcome(index, record.number, ingest.upsert_invoices(account=account, records=[record]))
        result.items.append(outcome)
        if outcome.status != "rejected":
            result.invoice_numbers.add(record.number)
            result.po_numbers |= {record.po_number} | {line.po_number for line in record.lines}


POD_FIELDS = ("delivered_at", "bill_of_lading", "pro_number", "carrier_scac", "carrier_name")


def record_proofs_of_delivery(*, account, proofs: list[tuple[int, dict]], result: BulkResult) -> None:
    """Delivery date and bill of lading (what matching reads as proof of delivery) on shipments already known.

    The shipment is re-sent whole through ingest with only the delivery fields changed, so its items
    and cartons stay as they are and the write is as idempotent as any other.
    """
    for index, proof in proofs:
        key = proof["shipment_id"]
        shipment = Shipment.objects.filter(account=account, shipment_id=key).first()
        if shipment is None:
            message = "No shipment with this id in the account; push the shipment first."
            result.items.append(rejected(index, key, [{"field": "shipment_id", "message": message}]))
            continue
        record = shipment_record(shipment)
        for name in POD_FIELDS:
            if name in proof:
                setattr(record, name, proof[name])
        outcome = _outcome(index, key, ingest.upsert_shipments(account=account, records=[record]))
        result.items.append(outcome)
        if outcome.status != "rejected":
            result.po_numbers |= {item.po_number for item in record.items if item.po_number}


def shipment_record(shipment: Shipment) -> ShipmentRecord:
    """The stored shipment as the record ingest takes (to change a few fields and send it back)."""
    names = [f for f in ShipmentRecord.__dataclass_fields__ if f not in ("items", "cartons")]
    item_names = list(ShipmentItemRecord.__dataclass_fields__)
    carton_names = list(CartonRecord.__dataclass_fields__)
    return ShipmentRecord(
        **{name: getattr(shipment, name) for name in names},
        items=[ShipmentItemRecord(**{n: getattr(i, n) for n in item_names}) for i in shipment.items.all()],
        cartons=[CartonRecord(**{n: getattr(c, n) for n in carton_names}) for c in shipment.cartons.all()],
    )


def reevaluate(account, result: BulkResult) -> None:
    """Re-run matching for the deductions naming what changed (a task, after commit)."""
    if any(item.status in ("created", "updated") for item in result.items):
        schedule_for_documents(
            account.pk, po_numbers=sorted(result.po_numbers - {""}), invoice_numbers=sorted(result.invoice_numbers)
        )
