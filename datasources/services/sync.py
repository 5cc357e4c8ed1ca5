"""Sync runs: claim an account, pull each document kind since its checkpoint, upsert, log the run.

    runs = sync_account(account_id, trigger="manual")

Exactness when a worker dies half way: each page is upserted, its checkpoint saved and the run's
counts updated in one transaction, so a page is either wholly in (and the checkpoint past it) or
not at all (and fetched again). Upserts are idempotent by natural key, so pages fetched twice (a
retry, a resumed run, a feed repeating records) change nothing.

Only one run per account at a time: the account's `SyncLease` row is claimed with a conditional
UPDATE (free, expired, or ours) and the row count checked; the lease is renewed with every page,
inside the page's transaction, so a worker that lost its lease rolls its page back and stops.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.views.decorators.debug import sensitive_variables
from django_q.tasks import async_task

from acorn_portal import clock
from acorn_portal.crypto import DecryptionError
from acorn_portal.services.events import emit_event
from datasources.connectors import AccountInfo, ConnectorError, DocumentKind, get_connector
from datasources.connectors.base import RECORD_KEYS, Connector, Page
from datasources.connectors.http import redact
from datasources.models import DataSource, SyncCheckpoint, SyncLease, SyncRun, SyncStatus
from datasources.services import alerts
from refunds.services import ingest
from refunds.services.matching import evaluate_chargebacks, schedule_for_documents

log = logging.getLogger(__name__)

UPSERTS = {
    DocumentKind.PURCHASE_ORDERS: ingest.upsert_purchase_orders,
    DocumentKind.SHIPMENTS: ingest.upsert_shipments,
    DocumentKind.INVOICES: ingest.upsert_invoices,
    DocumentKind.REMITTANCES: ingest.upsert_remittances,
    DocumentKind.CHARGEBACKS: ingest.upsert_chargebacks,
}
MAX_ERRORS = 200  # per run: enough to see the pattern, small enough for the admin page
MAX_LOG_ENTRIES = 20_000
COUNT_NAMES = ("created", "updated", "unchanged", "rejected")


class AccountBusyError(Exception):
    """Another worker holds the account's sync lease."""


class LeaseLostError(Exception):
    """Our lease expired and someone else claimed the account: stop, the page is rolled back."""


def lease_duration() -> timedelta:
    return timedelta(seconds=getattr(settings, "SYNC_LEASE_SECONDS", 600))


def new_owner() -> str:
    """Who holds a lease: host, process and a nonce, so a restarted worker is a new owner."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


# -- the lease ----------------------------------------------------------------------------------------


def claim_account(account_id: int, owner: str) -> bool:
    """Take the account's lease if it is free or expired; True if we now hold it."""
    # A concurrent claimer may create the row first: then the UPDATE below decides.
    with contextlib.suppress(IntegrityError):
        SyncLease.objects.get_or_create(account_id=account_id)
    now = clock.now()
    free = Q(expires_at__isnull=True) | Q(expires_at__lt=now) | Q(owner=owner)
    claimed = SyncLease.objects.filter(free, account_id=account_id).update(
        owner=owner, expires_at=now + lease_duration()
    )
    return claimed == 1


def renew_lease(account_id: int, owner: str) -> None:
    renewed = SyncLease.objects.filter(account_id=account_id, owner=owner).update(
        expires_at=clock.now() + lease_duration()
    )
    if renewed != 1:
        raise LeaseLostError(f"Lost the sync lease of account {account_id}.")


def release_account(account_id: int, owner: str) -> None:
    SyncLease.objects.filter(account_id=account_id, owner=owner).update(owner="", expires_at=None)


# -- handing deductions onward ------------------------------------------------------------------------


def hand_onward(chargeback_ids: list[int], *, now: datetime | None = None) -> None:
    """THE single place sync hands new and changed chargebacks to the rules engine (matching, deadlines,
    verdicts), after each page's commit, with the ids that page created or changed. `now`: the instant
    the sync reads as of (a replay of a vendor's files as of a day is judged on that day)."""
    if chargeback_ids:
        evaluate_chargebacks(chargeback_ids, cause="synced from Amazon", now=now)


def hand_documents_onward(account_id: int, result: ingest.IngestResult) -> None:
    """Documents a page created or changed: the deductions naming their POs and invoices are matched
    and judged again (a deduction "waiting for documents" gets its verdict), in a task that starts
    once the page's transaction commits, so a page rolled back re-evaluates nothing."""
    schedule_for_documents(account_id, po_numbers=result.po_numbers, invoice_numbers=result.invoice_numbers)


# -- connectors ---------------------------------------------------------------------------------------


def account_info(account) -> AccountInfo:
    return AccountInfo(
        key=account.marketplace,
        marketplace=account.marketplace,
        marketplace_id=account.marketplace_id,
        region=account.region,
        currency=account.currency,
        time_zone=account.time_zone,
        vendor_codes=tuple(account.vendor_code_list),
    )


@sensitive_variables("credentials")
def build_connector(source: DataSource, *, now: datetime | None = None) -> Connector:
    """The source's connector, with decrypted credentials (they live only in memory, never in logs).

    `now` fixes the instant the connector reads "up to" (a replay of a vendor's files as of a day).
    """
    try:
        credentials = source.credential_values()
    except (DecryptionError, ValueError) as exc:
        raise ConnectorError(f"The stored credentials cannot be read: {exc}", permanent=True) from None
    cls = get_connector(source.kind)
    connector = cls(account=account_info(source.account), settings=source.settings, credentials=credentials)
    if now is not None:
        connector.now = lambda: now
    return connector


def source_kinds(source: DataSource, connector: Connector) -> list[str]:
    """The kinds to sync, in DocumentKind.ALL order; `settings["kinds_enabled"]` may narrow them."""
    wanted = source.settings.get("kinds_enabled") or connector.kinds
    return [kind for kind in DocumentKind.ALL if kind in connector.kinds and kind in wanted]


def test_connection(source: DataSource) -> tuple[bool, str]:
    """(worked, what happened) after one cheap authenticated call."""
    try:
        return True, build_connector(source).test_connection()
    except ConnectorError as exc:
        suffix = f" (request id {exc.request_id})" if exc.request_id else ""
        return False, f"{exc}{suffix}"


# -- runs ---------------------------------------------------------------------------------------------


def sync_account(
    account_id: int, *, trigger: str = "schedule", owner: str | None = None, now: datetime | None = None
) -> list[SyncRun]:
    """Sync every enabled data source of an account under its lease; AccountBusyError if another run holds it."""
    owner = owner or new_owner()
    if not claim_account(account_id, owner):
        raise AccountBusyError(f"Account {account_id} is being synced by another worker.")
    try:
        # Runs left "running" by a worker that died: its lease has expired, or we could not hold it.
        SyncRun.objects.filter(account_id=account_id, status=SyncStatus.RUNNING).update(
            status=SyncStatus.INTERRUPTED, finished_at=clock.now()
        )
        sources = DataSource.objects.filter(account_id=account_id, enabled=True).select_related("account")
        ordered = sorted(sources, key=_documents_first)
        runs = [run_source(source, owner=owner, trigger=trigger, now=now) for source in ordered]
    finally:
        release_account(account_id, owner)
    if any(run.status == SyncStatus.SUCCEEDED for run in runs):
        # Routing and the alert pass at once, not on their 15-minute schedules (idempotent tasks).
        transaction.on_commit(partial(async_task, "refunds.tasks.after_new_data"))
    return runs


def _documents_first(source: DataSource) -> int:
    """Sources of documents before sources of deductions, so deductions find their POs and invoices."""
    try:
        return min(DocumentKind.ALL.index(kind) for kind in get_connector(source.kind).kinds)
    except ConnectorError:
        return len(DocumentKind.ALL)  # unknown kind: its run fails with the reason, last


@dataclass
class _Context:
    run: SyncRun
    source: DataSource
    owner: str
    connector: Connector | None = None
    kind: str = ""
    now: datetime | None = None


def run_source(source: DataSource, *, owner: str, trigger: str, now: datetime | None = None) -> SyncRun:
    """One SyncRun of one source; FAILED with the error (and its request id) when a fetch fails."""
    started = clock.now()
    run = SyncRun.objects.create(data_source=source, account_id=source.account_id, started_at=started, trigger=trigger)
    DataSource.objects.filter(pk=source.pk).update(last_run_at=started)
    ctx = _Context(run=run, source=source, owner=owner, now=now)
    try:
        ctx.connector = build_connector(source, now=now)
        for kind in source_kinds(source, ctx.connector):
            ctx.kind = kind
            _sync_kind(ctx)
    except (ConnectorError, LeaseLostError) as exc:
        _finish(ctx, SyncStatus.FAILED, exc)
        alerts.safely(alerts.report_failed_run, run)
    except Exception as exc:
        _finish(ctx, SyncStatus.FAILED, exc)
        alerts.safely(alerts.report_failed_run, run)
        raise
    else:
        _finish(ctx, SyncStatus.SUCCEEDED)
        DataSource.objects.filter(pk=source.pk).update(last_success_at=run.finished_at)
    return run


def _sync_kind(ctx: _Context) -> None:
    checkpoint, _ = SyncCheckpoint.objects.get_or_create(data_source=ctx.source, kind=ctx.kind)
    for page in ctx.connector.fetch(ctx.kind, checkpoint.position or None):
        result = _commit_page(ctx, checkpoint, page)
        hand_onward([*result.created_ids, *result.changed_ids], now=ctx.now)


def unique_records(kind: str, records: list) -> list:
    """One record per natural key, the last one winning: feeds repeat records, ingest refuses repeats."""
    by_key = {getattr(record, RECORD_KEYS[kind]): record for record in records}
    return list(by_key.values())


def _commit_page(ctx: _Context, checkpoint: SyncCheckpoint, page: Page) -> ingest.IngestResult:
    """Upsert a page, move the checkpoint past it and count it: all or nothing."""
    run = ctx.run
    with transaction.atomic():
        result = UPSERTS[page.kind](account=ctx.source.account, records=unique_records(page.kind, page.records))
        if page.kind != DocumentKind.CHARGEBACKS:
            hand_documents_onward(ctx.source.account_id, result)
        checkpoint.position = page.checkpoint
        checkpoint.save(update_fields=["position", "updated_at"])
        counts = run.counts.setdefault(page.kind, dict.fromkeys(COUNT_NAMES, 0))
        for name in COUNT_NAMES:
            counts[name] += getattr(result, name)
        counts["rejected"] += len(page.problems)
        problems = [str(error) for error in result.errors] + page.problems
        _add_errors(run, [{"kind": page.kind, "message": text, "request_id": ""} for text in problems])
        run.pages += 1
        _drain_log(ctx)
        run.save(update_fields=["counts", "errors", "pages", "request_log"])
        renew_lease(run.account_id, ctx.owner)
    return result


def _add_errors(run: SyncRun, errors: list[dict]) -> None:
    room = MAX_ERRORS - len(run.errors)
    run.errors.extend(errors[: max(0, room)])


def _drain_log(ctx: _Context) -> None:
    if ctx.connector is None:
        return
    entries = [entry.as_dict() for entry in ctx.connector.log.drain()]
    room = MAX_LOG_ENTRIES - len(ctx.run.request_log)
    ctx.run.request_log.extend(entries[: max(0, room)])


def _finish(ctx: _Context, status: str, exc: Exception | None = None) -> None:
    run = ctx.run
    _drain_log(ctx)
    if exc is not None:
        request_id = getattr(exc, "request_id", "")
        message = redact(f"{type(exc).__name__}: {exc}", _secrets(ctx))[:1000]
        run.errors.append({"kind": ctx.kind, "message": message, "request_id": request_id})
        log.warning("Sync of %s failed on %s: %s", ctx.source, ctx.kind or "setup", message)
    run.status = status
    run.finished_at = clock.now()
    with transaction.atomic():
        run.save(update_fields=["status", "finished_at", "errors", "request_log"])
        if status == SyncStatus.FAILED:
            _announce_failure(ctx, run)


def _announce_failure(ctx: _Context, run: SyncRun) -> None:
    """`sync.failed` in the transaction that marks the run failed (webhooks and the event feed read it)."""
    last = run.errors[-1] if run.errors else {}
    emit_event(
        "sync.failed",
        organization=ctx.source.account.organization,
        obj=run,
        payload={
            "sync_run_id": run.pk,
            "account_id": run.account_id,
            "data_source_id": ctx.source.pk,
            "data_source": ctx.source.name,
            "kind": ctx.kind,
            "error": last.get("message", ""),
            "request_id": last.get("request_id", ""),
            "started_at": run.started_at,
            "finished_at": run.finished_at,
        },
    )


def _secrets(ctx: _Context) -> set[str]:
    """Every secret value the run held, so none can reach the run's errors or the log."""
    if ctx.connector is None:
        return set()
    found = {str(value) for value in ctx.connector.credentials.values()}
    found |= getattr(getattr(ctx.connector, "http", None), "secrets", set())
    return found


def summary(runs: list[SyncRun]) -> str:
    """One line per run set: what a task returns."""
    parts = []
    for run in runs:
        counts = ", ".join(f"{run.total(name)} {name}" for name in COUNT_NAMES)
        parts.append(f"{run.data_source.name}: {run.status} ({counts}, {run.pages} pages)")
    return "; ".join(parts) or "no enabled data sources"
