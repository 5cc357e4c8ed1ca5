"""Retention purgers of the refunds app: closed cases, and the evidence files of closed cases.

Registered with `acorn_portal.retention` in RefundsConfig.ready(). A case counts from when it closed:
the later of its last state change and its last decision (a partial credit recorded on a recovered
case moves it). Open cases are never touched, whatever their age: only CLOSED_STATES qualify.

Evidence files and dispute packets (which hold copies of the evidence) go when their closed case is
past `evidence_days`; the case and its comments, approvals and history go when it is past
`closed_cases_days`, its remaining files with it. Rows are deleted in batches, each batch in one
transaction; the files are deleted from storage once that transaction has committed, so a rolled
back batch never leaves rows pointing at missing files.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.db.models import DateTimeField, QuerySet
from django.db.models.functions import Coalesce, Greatest

from acorn_portal.retention import Purger, cutoff, delete_stored_files, register_purger
from refunds.choices import CLOSED_STATES
from refunds.models import Approval, Chargeback, Comment, DisputePacket, Evidence

BATCH = 200
FILE_MODELS = (Evidence, DisputePacket)


def closed_before(organization_id: int, moment) -> QuerySet:
    """The organization's closed cases that closed strictly before `moment`."""
    closed_at = Greatest(
        Coalesce("state_changed_at", "decided_at"),
        Coalesce("decided_at", "state_changed_at"),
        output_field=DateTimeField(),
    )
    return (
        Chargeback.objects.filter(account__organization_id=organization_id, state__in=CLOSED_STATES)
        .annotate(closed_at=closed_at)
        .filter(closed_at__lt=moment)
    )


def _files_of(cases: QuerySet) -> int:
    return sum(model.objects.filter(chargeback__in=cases.values("pk")).count() for model in FILE_MODELS)


def _delete_with_files(model, pks: list, names: list[str]) -> int:
    """Delete rows (and their history, if any) now and their files after the commit; the rows deleted."""
    model.objects.filter(pk__in=pks).delete()
    history = getattr(model, "history", None)
    if history is not None:
        # The history keeps file names, labels and notes of what is being removed: it goes too.
        history.model.objects.filter(id__in=pks).delete()
    transaction.on_commit(partial(delete_stored_files, names))
    return len(pks)


# -- evidence files of closed cases ------------------------------------------------------------------


def count_evidence(organization_id: int, now, policy) -> dict:
    return {"evidence_files": _files_of(closed_before(organization_id, cutoff(policy, "evidence_days", now)))}


def purge_evidence(organization_id: int, now, policy) -> dict:
    removed = 0
    cases = closed_before(organization_id, cutoff(policy, "evidence_days", now)).values("pk")
    for model in FILE_MODELS:
        while True:
            with transaction.atomic():
                batch = list(
                    model.objects.filter(chargeback__in=cases).order_by("pk").values_list("pk", "file")[:BATCH]
                )
                if not batch:
                    break
                pks, names = zip(*batch, strict=True)
                removed += _delete_with_files(model, list(pks), list(names))
    return {"evidence_files": removed}


# -- closed cases --------------------------------------------------------------------------------------


def count_closed_cases(organization_id: int, now, policy) -> dict:
    cases = closed_before(organization_id, cutoff(policy, "closed_cases_days", now))
    files = cases
    evidence_moment = cutoff(policy, "evidence_days", now)
    if evidence_moment is not None:
        # The evidence purger runs first and takes the files of cases past its own window.
        files = cases.exclude(pk__in=closed_before(organization_id, evidence_moment).values("pk"))
    return {"closed_cases": cases.count(), "evidence_files": _files_of(files)}


def purge_closed_cases(organization_id: int, now, policy) -> dict:
    moment = cutoff(policy, "closed_cases_days", now)
    counts = {"closed_cases": 0, "evidence_files": 0}
    while True:
        with transaction.atomic():
            ids = list(closed_before(organization_id, moment).order_by("pk").values_list("pk", flat=True)[:BATCH])
            if not ids:
                return counts
            for model in FILE_MODELS:
                items = list(model.objects.filter(chargeback_id__in=ids).values_list("pk", "file"))
                if items:
                    pks, names = zip(*items, strict=True)
                    counts["evidence_files"] += _delete_with_files(model, list(pks), list(names))
            Comment.objects.filter(chargeback_id__in=ids).delete()
            Approval.objects.filter(chargeback_id__in=ids).delete()
            Chargeback.objects.filter(pk__in=ids).delete()
            Chargeback.history.model.objects.filter(id__in=ids).delete()
            counts["closed_cases"] += len(ids)


def register() -> None:
    """Called from RefundsConfig.ready(): evidence first, so a case's files are counted once."""
    register_purger(
        Purger(
            name="refunds: evidence files of closed cases",
            policy_field="evidence_days",
            count=count_evidence,
            purge=purge_evidence,
        )
    )
    register_purger(
        Purger(
            name="refunds: closed cases",
            policy_field="closed_cases_days",
            count=count_closed_cases,
            purge=purge_closed_cases,
        )
    )
