"""Write a simulator stream into the database: documents through `refunds.services.ingest`, answers
into `SimulatedTruth`.

The only module of the simulator that touches the ORM. Records are buffered per account and kind
and flushed in batches, so memory stays flat however long the stream is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from django.db import transaction

from refunds.services import ingest
from simulator.catalog import AccountSpec
from simulator.generator import Item, Kind
from simulator.models import SimulatedTruth
from simulator.truth import TruthRecord

BATCH_SIZE = 1000
MAX_LINES_PER_BATCH = 20_000  # remittances can carry thousands of lines each
TRUTH_FIELDS = ("is_disputable", "expected_recovery", "currency", "reason", "note")


def account_spec(vendor_account, *, weight: float = 1.0) -> AccountSpec:
    """The simulator's view of a vendor account; keyed by marketplace so keys survive renames."""
    return AccountSpec(
        key=vendor_account.marketplace,
        marketplace=vendor_account.marketplace,
        vendor_code=vendor_account.vendor_code_list[0],
        currency=vendor_account.currency,
        time_zone=vendor_account.time_zone,
        region=vendor_account.region,
        weight=weight,
    )


def load(
    items: Iterable[Item], *, vendor_accounts: Mapping[str, object], batch_size: int = BATCH_SIZE
) -> dict[str, ingest.IngestResult]:
    """Ingest a stream; `vendor_accounts` maps AccountSpec.key to the VendorAccount it fills.

    Returns one merged result per kind (`Kind.*`), truth included.
    """
    results = {kind: ingest.IngestResult(kind=kind) for kind in Kind.ALL}
    buffers: dict[tuple[str, str], list] = defaultdict(list)
    line_counts: dict[tuple[str, str], int] = defaultdict(int)
    for item in items:
        slot = (item.account.key, item.kind)
        buffers[slot].append(item.record)
        line_counts[slot] += len(getattr(item.record, "lines", ()))
        if len(buffers[slot]) >= batch_size or line_counts[slot] >= MAX_LINES_PER_BATCH:
            results[item.kind].merge(_flush(item.kind, vendor_accounts[item.account.key], buffers.pop(slot)))
            line_counts.pop(slot)
    for (key, kind), records in buffers.items():
        results[kind].merge(_flush(kind, vendor_accounts[key], records))
    return results


_INGEST = {
    Kind.PURCHASE_ORDER: ingest.upsert_purchase_orders,
    Kind.SHIPMENT: ingest.upsert_shipments,
    Kind.INVOICE: ingest.upsert_invoices,
    Kind.REMITTANCE: ingest.upsert_remittances,
}


def _flush(kind: str, account, records: list) -> ingest.IngestResult:
    if kind == Kind.TRUTH:
        return upsert_truths(account=account, records=records)
    if kind == Kind.CHARGEBACK:
        return ingest.upsert_chargebacks(account=account, records=records, change_reason="Simulated data")
    return _INGEST[kind](account=account, records=records)


def upsert_truths(*, account, records: list[TruthRecord]) -> ingest.IngestResult:
    """Create or update the answers by Amazon id, in one transaction and a few statements."""
    result = ingest.IngestResult(kind=Kind.TRUTH)
    wanted = {record.amazon_id: record for record in records}
    existing = {
        row["amazon_id"]: row
        for row in SimulatedTruth.objects.filter(account=account, amazon_id__in=list(wanted)).values(
            "amazon_id", *TRUTH_FIELDS
        )
    }
    changed = []
    for amazon_id, record in wanted.items():
        old = existing.get(amazon_id)
        if old is not None and all(old[name] == getattr(record, name) for name in TRUTH_FIELDS):
            result.unchanged += 1
            continue
        if old is None:
            result.created += 1
        else:
            result.updated += 1
        changed.append(
            SimulatedTruth(account=account, amazon_id=amazon_id, **{n: getattr(record, n) for n in TRUTH_FIELDS})
        )
    with transaction.atomic():
        SimulatedTruth.objects.bulk_create(
            changed,
            update_conflicts=True,
            unique_fields=["account", "amazon_id"],
            update_fields=[*TRUTH_FIELDS, "updated_at"],
        )
    return result
