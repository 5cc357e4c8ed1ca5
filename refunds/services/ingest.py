"""The single door through which every data source writes Vendor Central facts.

Connectors (SP-API, report files, the data feed, the simulator, later ERP pushes) turn what they
read into the record dataclasses below and call one `upsert_*` function per document kind:

    result = upsert_purchase_orders(account=account, records=records)

Every function is idempotent by the document's natural key (the model's UniqueConstraint: account +
number, lines by parent + line key), so re-ingesting the same records changes nothing. Records are
validated before anything is written; a bad record is rejected with errors naming the field, the rest
of its batch goes in, and a document's lines go in with it or not at all. Work is done in batches
(one transaction, one lookup query and a few bulk statements each), so a sync of a million rows
never holds them all in memory. `bulk_create` skips `save()`, so the derived fields `save()` would
compute (normalised PO numbers, the invoice suffix chain, direction) are computed here.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from itertools import islice

from django.db import models, transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from acorn_portal import clock
from acorn_portal.money import quantize
from acorn_portal.services.events import emit_events
from refunds import models as vc
from refunds.identifiers import direction_for_amount, normalize_po_number, parse_invoice_number
from refunds.models import Carton, Chargeback, Invoice
from refunds.services import ingest_pg, stats
from refunds.services.checks import check_values
from refunds.services.records import (  # noqa: F401 - re-exported: connectors import records from here too
    CartonRecord,
    ChargebackRecord,
    IngestError,
    IngestResult,
    InvoiceLineRecord,
    InvoiceRecord,
    PurchaseOrderItemRecord,
    PurchaseOrderRecord,
    RemittanceLineRecord,
    RemittanceRecord,
    ShipmentItemRecord,
    ShipmentRecord,
)

BATCH_SIZE = 1000


# The chargeback fields sync owns; workflow fields must never be overwritten by a sync.
CHARGEBACK_FACT_FIELDS = Chargeback.FACT_FIELDS

# How each document kind maps onto its models.


# Fields save() would compute, by name: bulk writes skip save(), so ingest computes them.
Derived = Mapping[str, Callable[[dict], object]]
_NORMALIZED_PO: Derived = {"po_number_normalized": lambda values: normalize_po_number(values["po_number"])}
_INVOICE_DERIVED: Derived = {
    "number": lambda values: parse_invoice_number(values["number"]).number,
    "root_number": lambda values: parse_invoice_number(values["number"]).root,
    "suffixes": lambda values: "".join(parse_invoice_number(values["number"]).suffixes),
    "direction": lambda values: direction_for_amount(values["amount"]),
    **_NORMALIZED_PO,
}


class _Spec:
    inputs: list[str]
    derived: Derived

    @cached_property
    def fields(self) -> list[str]:
        """The model fields written: the record's, then those computed from them."""
        return self.inputs + [name for name in self.derived if name not in self.inputs]


@dataclass(frozen=True)
class _LineSpec(_Spec):
    attr: str  # the record attribute holding the lines
    record: type
    model: type[models.Model]
    parent: str  # the line model's FK to the document
    key: str  # the line key, unique per parent
    derived: Derived = field(default_factory=dict)

    @cached_property
    def inputs(self) -> list[str]:
        return [f.name for f in dataclasses.fields(self.record)]


@dataclass(frozen=True, kw_only=True)
class _DocSpec(_Spec):
    kind: str
    record: type
    model: type[models.Model]
    key: str
    lines: tuple[_LineSpec, ...] = ()
    derived: Derived = field(default_factory=dict)
    after_write: Callable | None = None
    # (PO numbers, invoice numbers) a document names, for re-matching the deductions that name them.
    names: Callable[[_Row], tuple[Iterable[str], Iterable[str]]] | None = None

    @cached_property
    def inputs(self) -> list[str]:
        attrs = {spec.attr for spec in self.lines}
        return [f.name for f in dataclasses.fields(self.record) if f.name not in attrs]


def _derive(values: dict, derived: Derived) -> dict:
    return {name: compute(values) for name, compute in derived.items()}


@dataclass
class _Row:
    """A validated record: header values and, per line kind, line values by line key."""

    key: str
    values: dict
    lines: dict[str, dict] = field(default_factory=dict)


# Validation (field checks in refunds.services.checks)


def _check_contents(contents, prefix: str, errors: list[tuple[str, str]]) -> None:
    """Carton contents: a list of {"item_sequence_number": str, "quantity": int >= 0}."""
    if not isinstance(contents, list):
        errors.append((prefix, "must be a list"))
        return
    for i, entry in enumerate(contents):
        quantity = entry.get("quantity") if isinstance(entry, dict) else None
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
            errors.append((f"{prefix}[{i}].quantity", "must be a whole number, not negative"))


def _record_key(spec: _DocSpec, record) -> str:
    key = getattr(record, spec.key, "")
    return str(key or "").strip()


def _prepare(spec: _DocSpec, account, record, errors: list[tuple[str, str]]) -> _Row | None:
    """Validate one record and turn it into a row; None (with `errors` filled) if it is refused."""
    if not isinstance(record, spec.record):
        errors.append(("", f"expected a {spec.record.__name__}, got {type(record).__name__}"))
        return None
    values = {name: getattr(record, name) for name in spec.inputs}
    if isinstance(values[spec.key], str):
        values[spec.key] = values[spec.key].strip()
    check_values(spec.model, values, account, "", errors)
    if spec.model is Chargeback and isinstance(values["amount"], Decimal) and values["amount"] < 0:
        errors.append(("amount", "must not be negative: a deduction is recorded as a positive amount"))
    lines = {
        line_spec.attr: _prepare_lines(line_spec, account, getattr(record, line_spec.attr), errors)
        for line_spec in spec.lines
    }
    if errors:
        return None
    values.update(_derive(values, spec.derived))
    return _Row(key=values[spec.key], values=values, lines=lines)


def _prepare_lines(spec: _LineSpec, account, lines, errors: list[tuple[str, str]]) -> dict:
    prepared: dict = {}
    for i, line in enumerate(lines or ()):
        prefix = f"{spec.attr}[{i}]."
        if not isinstance(line, spec.record):
            errors.append((prefix.rstrip("."), f"expected a {spec.record.__name__}"))
            continue
        values = {name: getattr(line, name) for name in spec.inputs}
        check_values(spec.model, values, account, prefix, errors)
        if spec.model is Carton:
            _check_contents(values["contents"], prefix + "contents", errors)
        if values[spec.key] in prepared:
            errors.append((prefix + spec.key, f"{values[spec.key]!r} appears twice in this document"))
        if not errors:
            values.update(_derive(values, spec.derived))
            prepared[values[spec.key]] = values
    return prepared


def _prepare_batch(spec: _DocSpec, account, batch: list, result: IngestResult) -> dict[str, _Row]:
    """Valid rows by key; refused records are counted and explained in `result`."""
    rows: dict[str, _Row] = {}
    for record in batch:
        errors: list[tuple[str, str]] = []
        row = _prepare(spec, account, record, errors)
        if row is None:
            key = _record_key(spec, record)
            result.rejected += 1
            result.errors.extend(IngestError(key, name, message) for name, message in errors)
            continue
        if row.key in rows:
            # One statement cannot upsert a key twice; the later record is the newer one.
            result.rejected += 1
            result.errors.append(
                IngestError(row.key, "", "superseded by a later record with the same key in this batch")
            )
        rows[row.key] = row
    return rows


# Writing


def _batches(records: Iterable, size: int) -> Iterator[list]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


def _differs(new: dict, old: dict) -> bool:
    return any(old.get(name) != value for name, value in new.items())


def _upsert(spec: _DocSpec, *, account, records: Iterable, batch_size: int) -> IngestResult:
    result = IngestResult(kind=spec.kind)
    for batch in _batches(records, batch_size):
        rows = _prepare_batch(spec, account, batch, result)
        if rows:
            with transaction.atomic():
                _write_documents(spec, account, rows, result, batch_size)
    return result


def _write_documents(spec: _DocSpec, account, rows: dict[str, _Row], result: IngestResult, batch_size: int) -> None:
    fields = spec.fields
    existing = {
        old[spec.key]: old
        for old in spec.model.objects.filter(account=account, **{f"{spec.key}__in": list(rows)}).values("id", *fields)
    }
    changed = [row for row in rows.values() if row.key not in existing or _differs(row.values, existing[row.key])]
    parent_ids = {key: old["id"] for key, old in existing.items()}
    if changed:
        # An upsert rather than a plain insert: a row another sync inserted since the lookup is updated.
        objs = [spec.model(account=account, **row.values) for row in changed]
        spec.model.objects.bulk_create(
            objs,
            batch_size=batch_size,
            update_conflicts=True,
            unique_fields=["account", spec.key],
            update_fields=[name for name in fields if name != spec.key] + ["updated_at"],
        )
        parent_ids.update({getattr(obj, spec.key): obj.pk for obj in objs})
    lines_changed = _write_lines(spec, rows, parent_ids, existing_ids=[old["id"] for old in existing.values()])
    changed_keys = {row.key for row in changed}
    for key, row in rows.items():
        if key not in existing:
            result.created += 1
        elif key in changed_keys or key in lines_changed:
            result.updated += 1
        else:
            result.unchanged += 1
            continue
        if spec.names:
            po_numbers, invoice_numbers = spec.names(row)
            result.po_numbers.update(number for number in po_numbers if number)
            result.invoice_numbers.update(number for number in invoice_numbers if number)
    if spec.after_write:
        spec.after_write(account, rows)


def _write_lines(spec: _DocSpec, rows: dict[str, _Row], parent_ids: dict, *, existing_ids: list) -> set[str]:
    """Upsert new and changed lines, delete lines gone from a re-sent document; the keys touched."""
    touched: set[str] = set()
    for line_spec in spec.lines:
        fields = line_spec.fields
        parent_attr = f"{line_spec.parent}_id"
        old_lines: dict = defaultdict(dict)
        if existing_ids:
            queryset = line_spec.model.objects.filter(**{f"{parent_attr}__in": existing_ids})
            for old in queryset.values("id", parent_attr, *fields):
                old_lines[old[parent_attr]][old[line_spec.key]] = old
        upserts, stale_ids = [], []
        for row in rows.values():
            parent_id = parent_ids[row.key]
            previous = old_lines.pop(parent_id, {})
            for line_key, values in row.lines[line_spec.attr].items():
                old = previous.pop(line_key, None)
                if old is None or _differs(values, old):
                    upserts.append(line_spec.model(**{parent_attr: parent_id}, **values))
                    touched.add(row.key)
            if previous:
                stale_ids.extend(old["id"] for old in previous.values())
                touched.add(row.key)
        if stale_ids:
            line_spec.model.objects.filter(id__in=stale_ids).delete()
        if upserts:
            line_spec.model.objects.bulk_create(
                upserts,
                batch_size=BATCH_SIZE,
                update_conflicts=True,
                unique_fields=[line_spec.parent, line_spec.key],
                update_fields=[name for name in fields if name != line_spec.key],
            )
    return touched


def _link_invoice_chains(account, rows: dict[str, _Row]) -> None:
    """Point each derivative at the nearest ancestor present (`12345678SCR` → `12345678SC` → `12345678`).

    Runs over whole chains of the roots touched, so a root arriving after its derivatives links them.
    """
    roots = {row.values["root_number"] for row in rows.values()}
    chain = list(
        Invoice.objects.filter(account=account, root_number__in=roots).values_list("id", "number", "parent_id")
    )
    ids = {number: pk for pk, number, _ in chain}
    relinked, now = [], clock.now()
    for pk, number, parent_id in chain:
        ancestors = parse_invoice_number(number).chain()[-2::-1]  # nearest first, root last
        wanted = next((ids[n] for n in ancestors if n in ids), None)
        if wanted != parent_id:
            relinked.append(Invoice(pk=pk, parent_id=wanted, updated_at=now))
    if relinked:
        # bulk_update skips auto_now: the invoice's parent is shown by the API, so its updated_at moves.
        Invoice.objects.bulk_update(relinked, ["parent", "updated_at"], batch_size=BATCH_SIZE)


def _map_gtins_of_orders(account, rows: dict[str, _Row]) -> None:
    from refunds.services.gtin import map_gtin_lines

    map_gtin_lines(account, po_numbers=[row.values["number"] for row in rows.values()])


def _map_gtins_of_shipments(account, rows: dict[str, _Row]) -> None:
    from refunds.services.gtin import map_gtin_lines

    numbers = {
        values["po_number"]
        for row in rows.values()
        for values in row.lines.get("items", {}).values()
        if not values["asin"] and values["vendor_sku"]
    }
    if numbers:
        map_gtin_lines(account, po_numbers=numbers)


_PO_ITEMS = _LineSpec("items", PurchaseOrderItemRecord, vc.PurchaseOrderItem, "purchase_order", "item_sequence_number")
_ASN_ITEMS = _LineSpec("items", ShipmentItemRecord, vc.ShipmentItem, "shipment", "item_sequence_number", _NORMALIZED_PO)
_CARTONS = _LineSpec("cartons", CartonRecord, Carton, "shipment", "sequence_number")
_INVOICE_LINES = _LineSpec("lines", InvoiceLineRecord, vc.InvoiceLine, "invoice", "line_number", _NORMALIZED_PO)
_PAYMENT_LINES = _LineSpec("lines", RemittanceLineRecord, vc.RemittanceLine, "remittance", "line_number")


def _line_values(row: _Row, attr: str, name: str) -> set[str]:
    return {values[name] for values in row.lines.get(attr, {}).values()}


_PURCHASE_ORDERS = _DocSpec(
    kind="purchase_orders",
    record=PurchaseOrderRecord,
    model=vc.PurchaseOrder,
    key="number",
    derived={"number_normalized": lambda values: normalize_po_number(values["number"])},
    lines=(_PO_ITEMS,),
    after_write=_map_gtins_of_orders,  # ASN lines that named only a GTIN get the PO item's ASIN
    names=lambda row: ({row.values["number"]}, ()),
)
_SHIPMENTS = _DocSpec(
    kind="shipments",
    record=ShipmentRecord,
    model=vc.Shipment,
    key="shipment_id",
    lines=(_ASN_ITEMS, _CARTONS),
    after_write=_map_gtins_of_shipments,
    # Vendors commonly use the invoice number as the ASN's shipment id: the link matching follows.
    names=lambda row: (_line_values(row, "items", "po_number"), {row.values["shipment_id"]}),
)
_INVOICES = _DocSpec(
    kind="invoices",
    record=InvoiceRecord,
    model=Invoice,
    key="number",
    derived=_INVOICE_DERIVED,
    lines=(_INVOICE_LINES,),
    after_write=_link_invoice_chains,
    names=lambda row: (
        {row.values["po_number"], *_line_values(row, "lines", "po_number")},
        {row.values["number"]},
    ),
)
_REMITTANCES = _DocSpec(
    kind="remittances",
    record=RemittanceRecord,
    model=vc.Remittance,
    key="payment_number",
    lines=(_PAYMENT_LINES,),
    # A payment line names an invoice, a derivative of one, or a deduction's own number (a reversal).
    names=lambda row: ((), _line_values(row, "lines", "invoice_number")),
)
_CHARGEBACKS = _DocSpec(
    kind="chargebacks", record=ChargebackRecord, model=Chargeback, key="amazon_id", derived=_NORMALIZED_PO
)
assert set(_CHARGEBACKS.fields) == {"amazon_id", *CHARGEBACK_FACT_FIELDS}, "ChargebackRecord must carry facts only"


# The public door


def upsert_purchase_orders(
    *, account, records: Iterable[PurchaseOrderRecord], batch_size: int = BATCH_SIZE
) -> IngestResult:
    """Create or update purchase orders and their items (with Amazon's receiving status) by PO number."""
    return _upsert(_PURCHASE_ORDERS, account=account, records=records, batch_size=batch_size)


def upsert_shipments(*, account, records: Iterable[ShipmentRecord], batch_size: int = BATCH_SIZE) -> IngestResult:
    """Create or update shipments (ASNs) with their items and cartons by shipment id."""
    from refunds.services.gtin import keep_mapped_asins

    kept = (keep_mapped_asins(account, batch) for batch in _batches(records, batch_size))
    return _upsert(_SHIPMENTS, account=account, records=(r for batch in kept for r in batch), batch_size=batch_size)


def upsert_invoices(*, account, records: Iterable[InvoiceRecord], batch_size: int = BATCH_SIZE) -> IngestResult:
    """Create or update invoices and derivative documents (`…SC`, `…SCR`) with their lines; link the chains.

    A record that says its source (Vendor Central or the vendor's push) is first merged with what the
    other source stored (refunds.services.invoice_sources), so neither erases the other's facts.
    """
    from refunds.services.invoice_sources import merge_with_stored

    merged = (merge_with_stored(account, batch) for batch in _batches(records, batch_size))
    return _upsert(_INVOICES, account=account, records=(r for batch in merged for r in batch), batch_size=batch_size)


def upsert_remittances(*, account, records: Iterable[RemittanceRecord], batch_size: int = BATCH_SIZE) -> IngestResult:
    """Create or update remittances (payments) and their lines by payment number."""
    return _upsert(_REMITTANCES, account=account, records=records, batch_size=batch_size)


def upsert_chargebacks(
    *,
    account,
    records: Iterable[ChargebackRecord],
    batch_size: int = BATCH_SIZE,
    change_reason: str = "Synced from Amazon",
    actor=None,
    fast_path: bool | None = None,
) -> IngestResult:
    """Create or update deductions by Amazon id, writing only fact fields and a history row per change.

    The result carries the ids of created and changed chargebacks so matching can re-evaluate them.
    On PostgreSQL the batch goes through `ingest_pg` (COPY and one set-based upsert, same results);
    `fast_path=False` forces the ORM path there (tests compare the two).
    """
    fast = ingest_pg.available() if fast_path is None else fast_path and ingest_pg.available()
    result = IngestResult(kind=_CHARGEBACKS.kind)
    if not fast:
        for batch in _batches(records, batch_size):
            rows = _prepare_batch(_CHARGEBACKS, account, batch, result)
            if rows:
                with transaction.atomic():
                    _write_chargebacks(account, rows, result, batch_size, change_reason, actor)
        return result
    for rows in _validated_ahead(_CHARGEBACKS, account, records, batch_size, result):
        if rows:
            with transaction.atomic():
                # One statement writes the rows, their history, `chargeback.created` for each new one and
                # the dashboard rollup deltas (set-based, from the rows as they were and as they are).
                created, changed = ingest_pg.sync_chargebacks(
                    account, [row.values for row in rows.values()], change_reason=change_reason, actor=actor
                )
            _count_written(result, len(rows), created, changed)
    return result


def _validated_ahead(spec: _DocSpec, account, records: Iterable, batch_size: int, result: IngestResult):
    """Valid rows batch by batch, the next batch validated in a worker thread while the caller writes this one.

    Why a thread: on the fast path the database works about as long as Python validates, and psycopg
    releases the GIL while it waits, so the two overlap. Only validation (pure Python, no ORM) runs
    in the worker; records are read and rows written in the caller's thread, in the caller's
    transaction. Errors and counts are merged in batch order, as on the other path.
    """

    def validate(batch):
        part = IngestResult(kind=spec.kind)
        return _prepare_batch(spec, account, batch, part), part

    def collect(future):
        rows, part = future.result()
        result.merge(part)
        return rows

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-validate") as pool:
        pending = None
        for batch in _batches(records, batch_size):
            upcoming = pool.submit(validate, batch)
            if pending is not None:
                yield collect(pending)
            pending = upcoming
        if pending is not None:
            yield collect(pending)


def _count_written(result: IngestResult, total: int, created: list[int], changed: list[int]) -> None:
    result.created += len(created)
    result.updated += len(changed)
    result.unchanged += total - len(created) - len(changed)
    result.created_ids.extend(created)
    result.changed_ids.extend(changed)


def _write_chargebacks(account, rows: dict[str, _Row], result: IngestResult, batch_size, change_reason, actor) -> None:
    # Lock the rows being compared so a workflow change cannot slip between our read and our write.
    # New ids are plain inserts (history needs the rows): a sync claims its account, so two runs never
    # insert the same id at once; if one did, the batch fails whole and the run is retried.
    existing = {
        cb.amazon_id: cb
        for cb in Chargeback.objects.select_for_update().filter(account=account, amazon_id__in=list(rows))
    }
    created, changed = [], []
    now = clock.now()
    for key, row in rows.items():
        chargeback = existing.get(key)
        if chargeback is None:
            created.append(Chargeback(account=account, **row.values))
        elif _differs(row.values, {name: getattr(chargeback, name) for name in row.values}):
            for name in CHARGEBACK_FACT_FIELDS:
                setattr(chargeback, name, row.values[name])
            chargeback.updated_at = now
            changed.append(chargeback)
        else:
            result.unchanged += 1
    history = {"batch_size": batch_size, "default_user": actor, "default_change_reason": change_reason}
    before = [cb._stats_loaded for cb in changed]
    if created:
        created = bulk_create_with_history(created, Chargeback, **history)
    if changed:
        bulk_update_with_history(changed, Chargeback, fields=[*CHARGEBACK_FACT_FIELDS, "updated_at"], **history)
    announce_created(account, [cb.pk for cb in created])
    # bulk writes skip save(): move the dashboard rollups here, in the same transaction.
    stats.apply_changes(before, [stats.snapshot(cb) for cb in (*created, *changed)])
    result.created += len(created)
    result.updated += len(changed)
    result.created_ids.extend(cb.pk for cb in created)
    result.changed_ids.extend(cb.pk for cb in changed)


_ANNOUNCED = ("amazon_id", "family", "deduction_type", "amount", "currency", "issue_date", "po_number", "asin")


def announce_created(account, chargeback_ids: list[int]) -> int:
    """`chargeback.created` for each new deduction, in the caller's transaction, as one bulk insert.

    Both write paths call this with the ids they created, so the payloads are the same whichever ran.
    """
    if not chargeback_ids:
        return 0
    rows = Chargeback.objects.filter(pk__in=chargeback_ids).order_by("pk").values("pk", *_ANNOUNCED, "invoice_number")
    items = (
        (
            row["pk"],
            {
                **{name: row[name] for name in _ANNOUNCED},
                "amount": str(quantize(row["amount"], row["currency"])),
                "invoice_number": row["invoice_number"],
                "account_id": account.pk,
                "marketplace": account.marketplace,
                "state": "new",
            },
        )
        for row in rows.iterator(chunk_size=BATCH_SIZE)
    )
    return emit_events("chargeback.created", organization_id=account.organization_id, model=Chargeback, items=items)
