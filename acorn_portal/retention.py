"""Retention: each organization's policy, and a purge that removes exactly what is past it.

acorn_portal knows neither cases nor sync runs (it imports no other app), so the apps that own the
data register a purger in their AppConfig.ready():

    register_purger(Purger(name="refunds: closed cases", policy_field="closed_cases_days",
                           count=count_closed_cases, purge=purge_closed_cases))

A purger gets the organization id, the moment the purge measures from and the organization's policy
(`cutoff(policy, field, now)` gives now minus the window's days) and answers with counts per kind
({"closed_cases": 3, "evidence_files": 7}): `count` says what would go, `purge`
removes it (in batches, each in its own transaction, files deleted from storage after the commit)
and returns what went. A window left empty keeps that data forever: the purger is not called.

"Past the window" is strict: kept for N days means a record whose moment is exactly N days ago is
kept, one a second older goes. Purging twice removes nothing the second time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.files.storage import default_storage

from acorn_portal import clock
from acorn_portal.models import AuditAction, Organization, PurgeRecord, RetentionPolicy
from acorn_portal.services.audit import record_audit

log = logging.getLogger(__name__)

Counts = dict[str, int]


@dataclass(frozen=True)
class Purger:
    """One app's way to find and remove one kind of expired data."""

    name: str
    policy_field: str  # the RetentionPolicy field giving the window in days
    count: Callable[[int, datetime, RetentionPolicy], Counts]  # (organization id, now, policy)
    purge: Callable[[int, datetime, RetentionPolicy], Counts]


_PURGERS: dict[str, Purger] = {}


def register_purger(purger: Purger) -> None:
    """Add (or replace, by name: ready() may run twice in tests) a purger; they run in registration order."""
    if purger.policy_field not in {f.name for f in RetentionPolicy._meta.fields}:
        raise ValueError(f"RetentionPolicy has no field {purger.policy_field!r}.")
    _PURGERS[purger.name] = purger


def purgers() -> list[Purger]:
    return list(_PURGERS.values())


def cutoff(policy: RetentionPolicy, policy_field: str, now: datetime) -> datetime | None:
    """Records older than this are past the window; None when the organization keeps them forever."""
    days = getattr(policy, policy_field)
    return None if days is None else now - timedelta(days=days)


def delete_stored_files(names) -> int:
    """Delete files from storage (missing ones count as gone); called after the rows' commit."""
    deleted = 0
    for name in names:
        if not name:
            continue
        try:
            default_storage.delete(name)
            deleted += 1
        except OSError:
            # The row is gone; a file that cannot be deleted now is logged, not silently kept.
            log.exception("Retention purge could not delete the stored file %s", name)
    return deleted


@dataclass
class PurgeResult:
    organization: Organization
    counts: Counts = field(default_factory=dict)
    windows: dict = field(default_factory=dict)
    error: str = ""
    record: PurgeRecord | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _add(counts: Counts, more: Counts) -> None:
    for kind, number in more.items():
        counts[kind] = counts.get(kind, 0) + number


def purge_organization(
    organization: Organization, *, now: datetime | None = None, dry_run: bool = False, trigger: str = "schedule"
) -> PurgeResult:
    """Apply the organization's policy; with `dry_run` only count. A real run is recorded (PurgeRecord, audit)."""
    now = now or clock.now()
    policy = RetentionPolicy.for_organization(organization.pk)
    result = PurgeResult(organization)
    result.windows = {name: getattr(policy, name) for name in sorted({p.policy_field for p in purgers()})}
    started = clock.now()
    try:
        for purger in purgers():
            if cutoff(policy, purger.policy_field, now) is None:
                continue  # kept forever
            action = purger.count if dry_run else purger.purge
            _add(result.counts, action(organization.pk, now, policy))
    except Exception as exc:
        result.error = f"{type(exc).__name__}: {exc}"[:1000]
        log.exception("Retention purge of %s stopped", organization)
    if not dry_run:
        _record(result, started, trigger)
    return result


def _record(result: PurgeResult, started: datetime, trigger: str) -> None:
    result.record = PurgeRecord.objects.create(
        organization=result.organization,
        started_at=started,
        finished_at=clock.now(),
        trigger=trigger,
        counts=result.counts,
        windows=result.windows,
        error=result.error,
    )
    if result.total or result.error:
        record_audit(
            AuditAction.PURGE,
            actor_label=f"retention purge ({trigger})",
            organization=result.organization,
            target=result.record,
            counts=result.counts,
            windows=result.windows,
            **({"error": result.error} if result.error else {}),
        )


def purge_expired(
    *, now: datetime | None = None, dry_run: bool = False, organizations=None, trigger: str = "schedule"
) -> list[PurgeResult]:
    """Every organization's purge (or those given), one after the other; one failing does not stop the rest."""
    now = now or clock.now()
    organizations = Organization.objects.order_by("pk") if organizations is None else organizations
    return [purge_organization(org, now=now, dry_run=dry_run, trigger=trigger) for org in organizations]


def summary(results: list[PurgeResult]) -> str:
    """One line: what a task returns."""
    total: Counts = {}
    for result in results:
        _add(total, result.counts)
    failed = [result.organization.slug for result in results if result.error]
    removed = ", ".join(f"{number} {kind}" for kind, number in sorted(total.items()) if number) or "nothing"
    line = f"{len(results)} organization(s): removed {removed}"
    return line + (f"; stopped with an error for {', '.join(failed)}" if failed else "")
