"""Retention purgers of the datasources app: sync run logs and stored report files.

Registered with `acorn_portal.retention` in DatasourcesConfig.ready(). Past `sync_payload_days`, a
sync run keeps its counts and status but loses its request log and error messages (what the remote
side said), and a report import keeps its counts but loses its stored file and row errors (which
quote cells of the file). Both are marked, so a second purge finds nothing to do.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction

from acorn_portal import clock
from acorn_portal.retention import Purger, cutoff, delete_stored_files, register_purger
from datasources.models import FileImport, ImportStatus, SyncRun, SyncStatus

BATCH = 500


def expired_runs(organization_id: int, now, policy):
    return SyncRun.objects.filter(
        account__organization_id=organization_id,
        started_at__lt=cutoff(policy, "sync_payload_days", now),
        log_removed_at__isnull=True,
    ).exclude(status=SyncStatus.RUNNING)


def expired_imports(organization_id: int, now, policy):
    return FileImport.objects.filter(
        account__organization_id=organization_id,
        created_at__lt=cutoff(policy, "sync_payload_days", now),
        file_removed_at__isnull=True,
    ).exclude(status__in=[ImportStatus.QUEUED, ImportStatus.PROCESSING])


def count_payloads(organization_id: int, now, policy) -> dict:
    return {
        "sync_run_logs": expired_runs(organization_id, now, policy).count(),
        "import_files": expired_imports(organization_id, now, policy).count(),
    }


def purge_payloads(organization_id: int, now, policy) -> dict:
    counts = {"sync_run_logs": 0, "import_files": 0}
    while ids := list(expired_runs(organization_id, now, policy).order_by("pk").values_list("pk", flat=True)[:BATCH]):
        counts["sync_run_logs"] += SyncRun.objects.filter(pk__in=ids, log_removed_at__isnull=True).update(
            request_log=[], errors=[], log_removed_at=clock.now()
        )
    while True:
        with transaction.atomic():
            batch = list(expired_imports(organization_id, now, policy).order_by("pk").values_list("pk", "file")[:BATCH])
            if not batch:
                return counts
            pks, names = zip(*batch, strict=True)
            counts["import_files"] += FileImport.objects.filter(pk__in=pks, file_removed_at__isnull=True).update(
                file="", errors=[], file_removed_at=clock.now()
            )
            transaction.on_commit(partial(delete_stored_files, list(names)))


def register() -> None:
    """Called from DatasourcesConfig.ready()."""
    register_purger(
        Purger(
            name="datasources: sync run logs and imported files",
            policy_field="sync_payload_days",
            count=count_payloads,
            purge=purge_payloads,
        )
    )
