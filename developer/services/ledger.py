"""Ledger export bookkeeping: which journal lines an organization's ERP has received, in which export.

    export = create_export(organization=org, start=date(2026, 11, 1), end=date(2026, 11, 30))

The lines come from `refunds.services.ledger` (pure rules over the deductions); this module applies
the organization's GL account codes, keeps each exported line (so an export can be fetched again
exactly as it was sent) and marks it exported with a unique (organization, line key), so a line is
never in two exports — not by a repeat call, and not by two calls at once (the second one's insert
fails on the constraint and nothing of it is kept). Both lines of an entry always travel together.

Reading never consumes: an export stays *pending* until the ERP acknowledges it, and
`next_export()` answers with the oldest pending export of the period again (a proxy retry or a
second reader gets the same lines). Only after `acknowledge()` does the next call make a new export.

    export = next_export(organization=org, start=..., end=...)     # the pending one, else a new one
    acknowledge(organization=org, export_ids=[export.pk])          # idempotent
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction

from acorn_portal import clock
from acorn_portal.exports import safe_cell  # the one formula neutraliser of every export
from acorn_portal.models import AuditAction
from acorn_portal.money import quantize
from acorn_portal.services.audit import record_audit
from developer import conf
from developer.models import GLAccountMapping, LedgerExport, LedgerExportLine
from refunds.services.ledger import JournalLine, journal_lines

LOOKUP_CHUNK = 1000
CSV_COLUMNS = (
    "export_id",
    "line_key",
    "entry",
    "kind",
    "posting_date",
    "account",
    "account_role",
    "debit",
    "credit",
    "currency",
    "chargeback_id",
    "amazon_id",
    "vendor_account_id",
    "memo",
)


class LedgerError(Exception):
    """The export cannot be made as asked; the message says what to change."""


class LedgerBusyError(LedgerError):
    """Another export took some of the same lines at the same moment."""


def create_export(*, organization, start: date, end: date, actor=None, request=None, max_lines: int | None = None):
    """A new export of the period's lines not exported before, or None when there is nothing new.

    At most `max_lines` lines (whole entries); `complete` is False when more remain for the next call.
    """
    if start > end:
        raise LedgerError("The period starts after it ends: give from <= to.")
    limit = max(2, max_lines or conf.ledger_export_max_lines())
    lines = unexported(organization.pk, journal_lines(organization_id=organization.pk, start=start, end=end))
    if not lines:
        return None
    taken = _whole_entries(lines, limit)
    codes = account_codes(organization.pk, {line.currency for line in taken})
    rows = [render(line, codes[line.currency]) for line in taken]
    try:
        with transaction.atomic():
            export = LedgerExport.objects.create(
                organization=organization,
                period_from=start,
                period_to=end,
                line_count=len(taken),
                totals=totals(rows),
                complete=len(taken) == len(lines),
                created_by=actor if getattr(actor, "pk", None) else None,
            )
            LedgerExportLine.objects.bulk_create(
                [
                    LedgerExportLine(
                        organization=organization,
                        export=export,
                        position=position,
                        line_key=row["line_key"],
                        data=row,
                    )
                    for position, row in enumerate(rows, start=1)
                ],
                batch_size=1000,
            )
            record_audit(
                AuditAction.EXPORT,
                actor=actor,
                request=request,
                organization=organization,
                target=export,
                what="ledger",
                period=f"{start}..{end}",
                lines=len(taken),
            )
    except IntegrityError:
        raise LedgerBusyError("Another ledger export took some of these lines at the same moment; ask again.") from None
    return export


def pending_export(organization_id: int, start: date, end: date) -> LedgerExport | None:
    """The oldest export of exactly this period the ERP has not acknowledged yet."""
    return (
        LedgerExport.objects.filter(
            organization_id=organization_id, period_from=start, period_to=end, acknowledged_at__isnull=True
        )
        .order_by("id")
        .first()
    )


def next_export(*, organization, start: date, end: date, actor=None, request=None, max_lines: int | None = None):
    """What a read of the period answers: its pending export again, else a new one (None: nothing new)."""
    if start > end:
        raise LedgerError("The period starts after it ends: give from <= to.")
    pending = pending_export(organization.pk, start, end)
    if pending is not None:
        return pending
    try:
        return create_export(
            organization=organization, start=start, end=end, actor=actor, request=request, max_lines=max_lines
        )
    except LedgerBusyError:
        # Another reader made the export at the same moment: answer with the one it made.
        pending = pending_export(organization.pk, start, end)
        if pending is None:
            raise
        return pending


class UnknownExportError(LedgerError):
    """Some export ids are not the organization's; `missing` lists them."""

    def __init__(self, missing: list[int]):
        super().__init__(missing)
        self.missing = missing


def acknowledge(*, organization_id: int, export_ids: Iterable[int], actor=None) -> list[LedgerExport]:
    """Mark the exports acknowledged (those already acknowledged keep their first time); all or nothing."""
    wanted = sorted(set(export_ids))
    with transaction.atomic():
        exports = list(
            LedgerExport.objects.select_for_update()
            .filter(organization_id=organization_id, pk__in=wanted)
            .order_by("id")
        )
        missing = sorted(set(wanted) - {export.pk for export in exports})
        if missing:
            raise UnknownExportError(missing)
        now = clock.now()
        fresh = [export.pk for export in exports if export.acknowledged_at is None]
        if fresh:
            LedgerExport.objects.filter(pk__in=fresh).update(
                acknowledged_at=now, acknowledged_by=actor if getattr(actor, "pk", None) else None
            )
    return list(LedgerExport.objects.filter(pk__in=wanted).order_by("id"))


def unexported(organization_id: int, lines: list[JournalLine]) -> list[JournalLine]:
    """The lines whose keys the organization has not exported yet (looked up a chunk of keys at a time)."""
    done: set[str] = set()
    keys = [line.key for line in lines]
    for i in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[i : i + LOOKUP_CHUNK]
        done.update(
            LedgerExportLine.objects.filter(organization_id=organization_id, line_key__in=chunk).values_list(
                "line_key", flat=True
            )
        )
    return [line for line in lines if line.key not in done]


def _whole_entries(lines: list[JournalLine], limit: int) -> list[JournalLine]:
    if len(lines) <= limit:
        return lines
    cut = limit
    while cut > 0 and lines[cut - 1].entry == lines[cut].entry:
        cut -= 1  # never split an entry between two exports
    return lines[:cut]


def account_codes(organization_id: int, currencies: Iterable[str]) -> dict[str, GLAccountMapping]:
    """The mapping to use per currency (its own row, else the organization's default); LedgerError if none."""
    rows = {row.currency: row for row in GLAccountMapping.objects.filter(organization_id=organization_id)}
    codes, missing = {}, []
    for currency in sorted(set(currencies)):
        mapping = rows.get(currency) or rows.get("")
        if mapping is None:
            missing.append(currency)
        else:
            codes[currency] = mapping
    if missing:
        raise LedgerError(
            f"No GL account mapping for {', '.join(missing)}: add one for the currency or a default one "
            "(Developer center › GL account mappings), then export again. Nothing was exported."
        )
    return codes


def _amount(value: Decimal, currency: str) -> str:
    return str(quantize(value, currency))


def render(line: JournalLine, mapping: GLAccountMapping) -> dict:
    """The line as exported and kept: plain JSON values, amounts as strings at the currency's precision."""
    return {
        "line_key": line.key,
        "entry": line.entry,
        "kind": line.kind,
        "posting_date": line.posting_date.isoformat(),
        "account": mapping.code_for(line.account_role),
        "account_role": line.account_role,
        "debit": _amount(line.debit, line.currency),
        "credit": _amount(line.credit, line.currency),
        "currency": line.currency,
        "chargeback_id": line.chargeback_id,
        "amazon_id": line.amazon_id,
        "vendor_account_id": line.vendor_account_id,
        "memo": line.memo,
    }


def totals(rows: Iterable[dict]) -> dict[str, dict[str, str]]:
    """Debit and credit per currency of exported rows; never one figure across currencies."""
    sums: dict[str, list[Decimal]] = {}
    for row in rows:
        pair = sums.setdefault(row["currency"], [Decimal(0), Decimal(0)])
        pair[0] += Decimal(row["debit"])
        pair[1] += Decimal(row["credit"])
    return {
        currency: {"debit": _amount(debit, currency), "credit": _amount(credit, currency)}
        for currency, (debit, credit) in sorted(sums.items())
    }


# -- CSV --------------------------------------------------------------------------------------------


def csv_lines(export_id, rows: Iterable[dict]) -> Iterator[str]:
    """The export as CSV text, a header then one line per journal line (for streaming)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    writer.writerow(CSV_COLUMNS)
    yield flush()
    for row in rows:
        values = {"export_id": export_id, **row}
        writer.writerow([safe_cell(values.get(column, "")) for column in CSV_COLUMNS])
        yield flush()
