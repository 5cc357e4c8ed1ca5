"""One invoice, two sources: Vendor Central's export and the vendor's own push.

Vendor Central's invoice export states the invoice date, due date and status Amazon works from, but
has no lines and no PO; the vendor's ERP pushes lines, PO and a timestamp whose local date may be a
day off (an evening in California is the next day in UTC). Before an invoice is written, what one
source sent is merged with what the other already said, so neither erases the other:

- a Vendor Central record keeps the pushed lines, PO and pushed dates already stored;
- a pushed record never moves a date Vendor Central stated: it is kept aside (`pushed_date`,
  `pushed_due_date`) and `Invoice.date_conflict` says so when they disagree.

Records without a `date_source` (sync from the simulator, the data feed) are written as they come.
"""

from __future__ import annotations

import dataclasses

from refunds.choices import InvoiceDateSource
from refunds.identifiers import parse_invoice_number
from refunds.models import Invoice, InvoiceLine
from refunds.services.records import InvoiceLineRecord, InvoiceRecord

_LINE_FIELDS = [f.name for f in dataclasses.fields(InvoiceLineRecord)]


def merge_with_stored(account, records: list[InvoiceRecord]) -> list[InvoiceRecord]:
    """The records to write, each merged with the stored invoice of the same number from the other source."""
    sourced = [r for r in records if isinstance(r, InvoiceRecord) and r.date_source]
    if not sourced:
        return records
    numbers = {_number(r.number) for r in sourced} - {""}
    stored = {inv.number: inv for inv in Invoice.objects.filter(account=account, number__in=numbers)}
    lines = _stored_lines(stored.values())
    merged = []
    for record in records:
        old = stored.get(_number(record.number)) if isinstance(record, InvoiceRecord) else None
        if old is None or not record.date_source:
            merged.append(record)
        elif record.date_source == InvoiceDateSource.VENDOR_CENTRAL:
            merged.append(_vendor_central_over(record, old, lines.get(old.pk, [])))
        else:
            merged.append(_pushed_over(record, old))
    return merged


def _number(text: str) -> str:
    try:
        return parse_invoice_number(text).number
    except ValueError:
        return ""


def _stored_lines(invoices) -> dict[int, list[InvoiceLineRecord]]:
    found: dict[int, list[InvoiceLineRecord]] = {}
    ids = [inv.pk for inv in invoices]
    for line in InvoiceLine.objects.filter(invoice_id__in=ids).order_by("invoice_id", "line_number"):
        found.setdefault(line.invoice_id, []).append(
            InvoiceLineRecord(**{name: getattr(line, name) for name in _LINE_FIELDS})
        )
    return found


def _vendor_central_over(record: InvoiceRecord, old: Invoice, old_lines: list) -> InvoiceRecord:
    """VC's dates, amount and status; the vendor's lines, PO and pushed dates stay."""
    return dataclasses.replace(
        record,
        lines=record.lines or old_lines,
        po_number=record.po_number or old.po_number,
        pushed_at=record.pushed_at or old.pushed_at,
        pushed_date=record.pushed_date or old.pushed_date,
        pushed_due_date=record.pushed_due_date or old.pushed_due_date,
    )


def _pushed_over(record: InvoiceRecord, old: Invoice) -> InvoiceRecord:
    """The vendor's lines and PO; when VC stated the dates, they stay and the pushed ones are kept aside."""
    if old.date_source != InvoiceDateSource.VENDOR_CENTRAL:
        return record
    return dataclasses.replace(
        record,
        invoice_date=old.invoice_date,
        due_date=old.due_date,
        status=old.status or record.status,
        date_source=InvoiceDateSource.VENDOR_CENTRAL,
        pushed_date=record.pushed_date or record.invoice_date,
        pushed_due_date=record.pushed_due_date or record.due_date,
    )
