"""Importing a Vendor Central report file: the one service the admin (and later the API) calls.

    file_import = import_report_file(account=account, kind=ReportKind.CHARGEBACKS, file=upload,
                                     user=request.user, partial=False)
    file_import.status, file_import.errors  # "failed", [{"row": 7, "column": "Amount", ...}]

All or nothing by default: a file with a bad row imports nothing and says, row by row, what to fix.
With `partial=True` the good rows go in and the report is kept. The file is stored under a random
name before anything is parsed, and the `FileImport` row is written outside the data transaction,
so a failed import is still on record. Writing goes through refunds.services.ingest (idempotent
upserts by natural key), so uploading the same file again changes nothing; an identical file
(same SHA-256) is also recognised and said so.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from acorn_portal.services.events import emit_event
from acorn_portal.uploads import REPORT_TYPES, check_upload
from datasources.connectors.report_files import ParsedReport, ReportFileError, RowError, parse_report
from datasources.models import ColumnMapping, FileImport, ImportStatus
from datasources.services import alerts
from refunds.services import coop_agreements, ingest
from refunds.services.matching import schedule_evaluation, schedule_for_documents

MAX_STORED_ERRORS = 1000
_UPSERTS = {
    "invoices": ingest.upsert_invoices,
    "remittances": ingest.upsert_remittances,
    "chargebacks": ingest.upsert_chargebacks,
    "coop_agreements": coop_agreements.upsert_coop_agreements,
}


class _RollBackError(Exception):
    """Raised inside the data transaction to undo an all-or-nothing import that had refused records."""


def max_upload_bytes() -> int:
    return settings.ACORN_IMPORT_MAX_BYTES


def check_report_file(file):
    """The shared upload checks (acorn_portal.uploads) with report files' types and size limit.

    Raises UploadRefused (a ValidationError) with a sentence for the person uploading; the admin form
    and the API call it too, so a refused file gets the same message everywhere.
    """
    return check_upload(file, allowed=REPORT_TYPES, max_bytes=max_upload_bytes())


def import_report_file(*, account, kind: str, file, user, partial: bool = False) -> FileImport:
    """Check, store, parse and ingest one report file for one vendor account; the FileImport says what happened.

    `file` is an uploaded file (anything with `.read()` and a `.name`) or bytes. A file of the wrong
    type or size raises UploadRefused before anything is stored. A file of an accepted type that
    cannot be read as a report is on record with status REJECTED; rows with errors make it FAILED
    (nothing imported) or PARTIAL.
    """
    checked = check_report_file(file)
    data = _read(file)
    file_import = FileImport(
        account=account,
        kind=kind,
        original_name=checked.display_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        partial=partial,
    )
    file_import.uploaded_by = user if getattr(user, "pk", None) else None
    file_import.duplicate_of = _earlier_import(account, kind, checked.sha256)
    file_import.file.save("upload", ContentFile(data), save=False)  # the path comes from import_upload_path
    file_import.save()
    try:
        report = parse_report(
            data,
            kind=kind,
            marketplace=account.marketplace,
            currency=account.currency,
            mapping=column_mappings(account.organization_id, kind),
        )
    except ReportFileError as exc:
        return _finish(file_import, ImportStatus.REJECTED, str(exc))
    return _ingest(file_import, report, user)


def column_mappings(organization_id: int, kind: str) -> dict[str, str]:
    """The organization's own headers for this kind of report: source header → field."""
    mappings = ColumnMapping.objects.filter(organization_id=organization_id, kind=kind)
    return dict(mappings.values_list("source_header", "field"))


def _read(file) -> bytes:
    if isinstance(file, (bytes, bytearray)):
        return bytes(file)
    file.seek(0)
    return file.read()


def _earlier_import(account, kind: str, digest: str) -> FileImport | None:
    done = [ImportStatus.IMPORTED, ImportStatus.PARTIAL]
    earlier = FileImport.objects.filter(account=account, kind=kind, sha256=digest, status__in=done)
    return earlier.order_by("created_at", "id").first()


def _ingest(file_import: FileImport, report: ParsedReport, user) -> FileImport:
    file_import.rows = report.rows
    # Rows with cell errors were left out already; the rest still go through ingest's checks even when
    # the file will fail, inside a transaction rolled back, so one upload reports every problem.
    reason = f"File import #{file_import.pk}"
    errors = list(report.errors)
    try:
        with transaction.atomic():
            results = _write(file_import.account, report, reason, user)
            refused = [error for result in results for error in _row_errors(report, result)]
            errors.extend(refused)
            if errors and not file_import.partial:
                raise _RollBackError
            _hand_onward(file_import, results)
    except _RollBackError:
        errors.sort(key=lambda e: (e.sheet, e.row))
        return _finish(file_import, ImportStatus.FAILED, _failed_message(errors), errors)
    _count(file_import, results)
    errors.sort(key=lambda e: (e.sheet, e.row))
    status = ImportStatus.PARTIAL if errors else ImportStatus.IMPORTED
    return _finish(file_import, status, _done_message(file_import, errors), errors)


def _write(account, report: ParsedReport, reason: str, user) -> list:
    results = []
    for kind, upsert in _UPSERTS.items():
        records = report.records.get(kind)
        if not records:
            continue
        if kind == "chargebacks":
            results.append(upsert(account=account, records=records, change_reason=reason, actor=user))
        else:
            results.append(upsert(account=account, records=records))
    return results


def _hand_onward(file_import: FileImport, results) -> None:
    """Once the import commits, match and judge the deductions it brought and those naming the
    documents it brought (a deduction "waiting for documents" gets its verdict); nothing if it rolls back."""
    cause = f"file import #{file_import.pk}"
    po_numbers, invoice_numbers, chargeback_ids = set(), set(), []
    for result in results:
        po_numbers |= result.po_numbers
        invoice_numbers |= result.invoice_numbers
        chargeback_ids += [*result.created_ids, *result.changed_ids]
    schedule_evaluation(chargeback_ids, cause=cause)
    schedule_for_documents(file_import.account_id, po_numbers=po_numbers, invoice_numbers=invoice_numbers)


def _row_errors(report: ParsedReport, result) -> list[RowError]:
    """Ingest's refusals (by natural key and field) put back on the rows they came from."""
    found = []
    for error in result.errors:
        line, _, attr = error.field.rpartition(".") if "[" in error.field else ("", "", error.field)
        origin = report.origins.get((result.kind, f"{error.key}:{line}" if line else error.key))
        origin = origin or report.origins.get((result.kind, error.key))
        if origin is None:
            found.append(RowError(0, attr, "", f"{error.key}: {error.message}"))
            continue
        message = error.message
        if error.field == "" and "superseded" in message:
            message = f"{error.key} appears more than once in the file; remove the duplicate rows"
        value = origin.values.get(attr, "")
        found.append(RowError(origin.number, origin.headers.get(attr) or attr, str(value), message, origin.sheet))
    return found


def _count(file_import: FileImport, results) -> None:
    file_import.counts = {
        r.kind: {"created": r.created, "updated": r.updated, "unchanged": r.unchanged, "rejected": r.rejected}
        for r in results
    }
    for name in ("created", "updated", "unchanged", "rejected"):
        setattr(file_import, name, sum(getattr(r, name) for r in results))


def _failed_message(errors: list[RowError]) -> str:
    rows = len({(e.sheet, e.row) for e in errors})
    return f"Nothing was imported: {rows} row(s) have errors. Fix them and upload the file again."


def _done_message(file_import: FileImport, errors: list[RowError]) -> str:
    parts = [
        f"{file_import.rows} rows read: {file_import.created} created, {file_import.updated} updated, "
        f"{file_import.unchanged} unchanged."
    ]
    if errors:
        parts.append(f"{len({(e.sheet, e.row) for e in errors})} row(s) with errors were left out.")
    if file_import.duplicate_of_id:
        earlier = file_import.duplicate_of
        parts.insert(0, f"This file is identical to import #{earlier.pk} of {earlier.created_at:%Y-%m-%d %H:%M} UTC.")
    return " ".join(parts)


def _finish(file_import: FileImport, status: str, message: str, errors=()) -> FileImport:
    errors = list(errors)
    file_import.status = status
    file_import.message = message
    file_import.error_count = len(errors)
    file_import.errors = [error.as_dict() for error in errors[:MAX_STORED_ERRORS]]
    file_import.finished_at = timezone.now()
    with transaction.atomic():
        file_import.save()
        _announce(file_import)
    alerts.safely(alerts.report_rejected_import, file_import)
    return file_import


def _announce(file_import: FileImport) -> None:
    """`import.completed` for every finished import, whatever the outcome (the status says which)."""
    emit_event(
        "import.completed",
        organization=file_import.account.organization,
        obj=file_import,
        payload={
            "import_id": file_import.pk,
            "account_id": file_import.account_id,
            "kind": file_import.kind,
            "status": file_import.status,
            "message": file_import.message,
            "rows": file_import.rows,
            "created": file_import.created,
            "updated": file_import.updated,
            "unchanged": file_import.unchanged,
            "rejected": file_import.rejected,
            "error_count": file_import.error_count,
        },
    )
