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

import functools

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django_q.tasks import async_task

from acorn_portal import clock
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
    file_import = _store(account=account, kind=kind, file=file, user=user, partial=partial)
    return _parse_and_ingest(file_import, _read(file), user)


def queue_report_file(*, account, kind: str, file, user, partial: bool = False) -> FileImport:
    """Check and store the file (status QUEUED) and leave parsing and ingesting to the task cluster.

    For uploads through the API: the request answers at once and a large file no longer holds a web
    process for minutes. The stored file is copied from the upload in chunks (Django keeps a large
    upload in a temporary file), never read whole here. `run_queued_import` does the rest.
    """
    file_import = _store(account=account, kind=kind, file=file, user=user, partial=partial, status=ImportStatus.QUEUED)
    transaction.on_commit(
        functools.partial(
            async_task,
            "datasources.tasks.run_file_import",
            file_import.pk,
            task_name=f"file import {file_import.pk}",
            timeout=settings.ACORN_IMPORT_TASK_TIMEOUT,
        )
    )
    return file_import


def run_queued_import(import_id: int) -> FileImport | None:
    """Parse and ingest a queued import; None when another run claimed it already (a duplicate task)."""
    claimed = FileImport.objects.filter(pk=import_id, status=ImportStatus.QUEUED).update(status=ImportStatus.PROCESSING)
    if not claimed:
        return None
    file_import = FileImport.objects.select_related("account", "uploaded_by").get(pk=import_id)
    with file_import.file.open("rb") as stored:
        data = stored.read()
    return _parse_and_ingest(file_import, data, file_import.uploaded_by)


def import_progress(*, import_id: int, status: str, rows: int) -> dict:
    """{"rows_done", "rows_total"}: final once finished, as the task last said while it runs.

    rows_total is None until the file is parsed.
    """
    if status not in (ImportStatus.QUEUED, ImportStatus.PROCESSING):
        return {"rows_done": rows, "rows_total": rows}
    told = cache.get(_progress_key(import_id)) if status == ImportStatus.PROCESSING else None
    return told or {"rows_done": 0, "rows_total": None}


def _progress_key(import_id: int) -> str:
    return f"file-import-progress:{import_id}"


def _store(*, account, kind: str, file, user, partial: bool, status=ImportStatus.PROCESSING) -> FileImport:
    checked = check_report_file(file)
    file_import = FileImport(
        account=account,
        kind=kind,
        original_name=checked.display_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        partial=partial,
        status=status,
    )
    file_import.uploaded_by = user if getattr(user, "pk", None) else None
    file_import.duplicate_of = _earlier_import(account, kind, checked.sha256)
    content = ContentFile(bytes(file)) if isinstance(file, (bytes, bytearray)) else file
    content.seek(0)
    file_import.file.save("upload", content, save=False)  # the path comes from import_upload_path
    file_import.save()
    return file_import


def _parse_and_ingest(file_import: FileImport, data: bytes, user) -> FileImport:
    account = file_import.account
    try:
        report = parse_report(
            data,
            kind=file_import.kind,
            marketplace=account.marketplace,
            currency=account.currency,
            mapping=column_mappings(account.organization_id, file_import.kind),
        )
    except ReportFileError as exc:
        return _finish(file_import, ImportStatus.REJECTED, str(exc))
    del data
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
    progress = _Progress(file_import.pk, report)
    try:
        with transaction.atomic():
            results = _write(file_import.account, report, reason, user, progress)
            refused = [error for result in results for error in _row_errors(report, result)]
            errors.extend(refused)
            if errors and not file_import.partial:
                raise _RollBackError
            _hand_onward(file_import, results)
    except _RollBackError:
        errors.sort(key=lambda e: (e.sheet, e.row))
        file_import.rejected = _bad_rows(errors)
        return _finish(file_import, ImportStatus.FAILED, _failed_message(errors), errors)
    finally:
        progress.clear()
    _count(file_import, results, errors)
    errors.sort(key=lambda e: (e.sheet, e.row))
    status = ImportStatus.PARTIAL if errors else ImportStatus.IMPORTED
    return _finish(file_import, status, _done_message(file_import, errors), errors)


class _Progress:
    """Rows written so far, told through the shared cache: the import's transaction is not visible yet.

    Records are counted as ingest takes them (it reads them batch by batch); a record stands for
    `rows / records` rows, so a file whose documents span several rows still ends at its row count.
    """

    EVERY = 1000

    def __init__(self, import_id: int, report: ParsedReport):
        self.key = _progress_key(import_id)
        self.rows = report.rows
        self.records = sum(len(records) for records in report.records.values()) or 1
        self.done = 0
        self.tell()

    def counted(self, records):
        for record in records:
            yield record
            self.done += 1
            if self.done % self.EVERY == 0:
                self.tell()

    def tell(self) -> None:
        done = self.rows * self.done // self.records
        cache.set(self.key, {"rows_done": done, "rows_total": self.rows}, timeout=3600)

    def clear(self) -> None:
        cache.delete(self.key)


def _write(account, report: ParsedReport, reason: str, user, progress: _Progress) -> list:
    results = []
    for kind, upsert in _UPSERTS.items():
        records = report.records.get(kind)
        if not records:
            continue
        records = progress.counted(records)
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


def _count(file_import: FileImport, results, errors: list[RowError]) -> None:
    """Counts per kind as ingest gave them; the file's `rejected` is its rows with errors, so that for a
    file of one row per document rows = created + updated + unchanged + rejected."""
    file_import.counts = {
        r.kind: {"created": r.created, "updated": r.updated, "unchanged": r.unchanged, "rejected": r.rejected}
        for r in results
    }
    for name in ("created", "updated", "unchanged"):
        setattr(file_import, name, sum(getattr(r, name) for r in results))
    file_import.rejected = _bad_rows(errors)


def _bad_rows(errors: list[RowError]) -> int:
    """Rows with at least one error (an error placed on no row counts as one)."""
    return len({(e.sheet, e.row) for e in errors if e.row}) + sum(1 for e in errors if not e.row)


def _failed_message(errors: list[RowError]) -> str:
    rows = len({(e.sheet, e.row) for e in errors})
    return f"Nothing was imported: {rows} row(s) have errors. Fix them and upload the file again."


def _done_message(file_import: FileImport, errors: list[RowError]) -> str:
    parts = [
        f"{file_import.rows} rows read: {file_import.created} created, {file_import.updated} updated, "
        f"{file_import.unchanged} unchanged, {file_import.rejected} rejected."
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
    file_import.finished_at = clock.now()
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
