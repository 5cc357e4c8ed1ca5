"""django-q2 entry points of the refunds app (workflow, policy and matching): ids in, a one-line summary out.

Each task re-reads its rows and re-checks the conditions through the workflow services, so a
duplicate, late or concurrent run does nothing harmful: a case someone else already moved is
skipped, never forced.
"""

import logging
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from acorn_portal import clock
from refunds.choices import ChargebackState, Recommendation
from refunds.models import Chargeback
from refunds.services import workflow
from refunds.services.assignment import auto_assign
from refunds.services.matching import chargebacks_for_documents, evaluate_chargebacks
from refunds.services.policy import governed_chargeback_ids, open_chargebacks

log = logging.getLogger(__name__)

# Deadlines are dates in each marketplace's zone; a one-day margin around the server's date finds
# every candidate, and the service's own condition decides with the local date.
_MARGIN = timedelta(days=1)


def _run(chargeback_id: int, service) -> bool:
    case = Chargeback.objects.select_related("account__organization").filter(pk=chargeback_id).first()
    if case is None:
        return False
    try:
        service(chargeback=case, actor=None)
    except (TransitionNotAllowed, ConcurrentTransition, PermissionDenied, ValidationError) as exc:
        log.debug("case %s skipped by %s: %s", chargeback_id, service.__name__, exc)
        return False
    return True


def expire_case(chargeback_id: int) -> str:
    """Expire one case if its window has closed and nothing was filed; otherwise do nothing."""
    return "expired" if _run(chargeback_id, workflow.expire) else "unchanged"


def sweep_deadlines() -> str:
    """Expire overdue cases, park not-yet-disputable new ones, release parked ones whose day came."""
    today = clock.server_today()
    overdue = Chargeback.objects.overdue(today=today + _MARGIN).values_list("pk", flat=True)
    expired = sum(_run(pk, workflow.expire) for pk in overdue.iterator())
    to_park = Chargeback.objects.filter(state=ChargebackState.NEW, disputable_from__gt=today - _MARGIN)
    parked = sum(_run(pk, workflow.wait_until_disputable) for pk in to_park.values_list("pk", flat=True).iterator())
    to_release = Chargeback.objects.filter(state=ChargebackState.WAITING, disputable_from__lte=today + _MARGIN)
    released = sum(_run(pk, workflow.release) for pk in to_release.values_list("pk", flat=True).iterator())
    return f"expired {expired}, parked {parked}, released {released}"


ROUTING_BATCH = 5_000


def auto_assign_cases(chargeback_ids: list[int] | None = None) -> str:
    """Route new, unassigned cases by the organizations' rules (a bounded batch when no ids are given).

    Only organizations that have active rules are looked at, and at most ROUTING_BATCH cases per
    run, oldest first, so a million unroutable cases cost one bounded query per run.
    """
    from refunds.models import AssignmentRule

    routed_orgs = AssignmentRule.objects.filter(is_active=True).values("organization_id")
    cases = (
        Chargeback.objects.filter(
            state=ChargebackState.NEW,
            assignee__isnull=True,
            team__isnull=True,
            account__organization_id__in=routed_orgs,
        )
        .select_related("account__organization")
        .order_by("pk")
    )
    if chargeback_ids is not None:
        cases = cases.filter(pk__in=chargeback_ids)
    assigned = 0
    for case in cases[:ROUTING_BATCH]:
        try:
            assigned += auto_assign(chargeback=case) is not None
        except (TransitionNotAllowed, ConcurrentTransition, ValidationError) as exc:
            log.debug("case %s not routed: %s", case.pk, exc)
    return f"assigned {assigned}"


# --- Policy rules, matching and deadlines -------------------------------------------------------------------


def evaluate_chargebacks_task(chargeback_ids, cause: str = "re-evaluated") -> str:
    """Match and judge deductions (after ingest created or changed them, or documents arrived)."""
    return str(evaluate_chargebacks(chargeback_ids, cause=cause))


def recompute_for_rule(rule_id: int, organization_id: int, families) -> str:
    """A policy rule changed or was deleted: recompute deadlines and verdicts of the open cases it governs.

    Reloads everything by id, so a duplicate or late run just finds nothing left to change.
    """
    ids = governed_chargeback_ids(organization_id, families)
    run = evaluate_chargebacks(ids, cause=f"rule #{rule_id} changed")
    return f"rule #{rule_id}: {run}"


def recompute_for_organization(organization_id: int, cause: str) -> str:
    """An organization setting that deadlines depend on changed: re-time all its open cases."""
    qs = open_chargebacks(Chargeback.objects.filter(account__organization_id=organization_id))
    return str(evaluate_chargebacks(list(qs.values_list("id", flat=True)), cause=cause))


def evaluate_for_documents(account_id: int, po_numbers=(), invoice_numbers=()) -> str:
    """Documents arrived for an account: re-evaluate the deductions that name them (matched or not)."""
    ids = chargebacks_for_documents(account_id, po_numbers=po_numbers, invoice_numbers=invoice_numbers)
    return str(evaluate_chargebacks(ids, cause="documents arrived"))


def evaluate_for_agreements(account_ids, cause: str = "co-op agreement changed") -> str:
    """Co-op agreements changed for these accounts: re-evaluate their open co-op deductions."""
    from refunds.services.matching.evaluate import coop_chargeback_ids

    return str(evaluate_chargebacks(coop_chargeback_ids(account_ids), cause=cause))


def refresh_time_sensitive_verdicts(now=None) -> str:
    """Verdicts that depend on the calendar are redone when their day comes, in each marketplace's zone.

    A `wait` whose first disputable day has begun becomes `dispute` (or what else the evidence says);
    a `dispute`/`needs_evidence` whose last day has passed becomes `accept` (window closed). Only
    deductions whose local date crossed such a line are picked, so a run when no marketplace's day
    changed evaluates nothing; the schedule runs it every 15 minutes so a new local day is seen soon
    after it starts, wherever it starts. The cases' own states move by `sweep_deadlines`.
    """
    now = now or clock.now()

    def crossed(today):
        return Q(recommendation=Recommendation.WAIT, disputable_from__lte=today) | Q(
            recommendation__in=[Recommendation.DISPUTE, Recommendation.NEEDS_EVIDENCE], due_on__lt=today
        )

    due = open_chargebacks(Chargeback.objects.all())._per_local_today(crossed, now)
    ids = due.values_list("id", flat=True)
    return str(evaluate_chargebacks(list(ids), cause="the calendar moved on", now=now))


# --- Alerts --------------------------------------------------------------------------------------


def send_deadline_alerts() -> str:
    """Claim what is due now (reminders, escalations, digests), then deliver everything pending.

    Safe to run twice, concurrently or late: every message has a unique key claimed before sending.
    """
    from refunds.services.alerts import dispatch, reminders

    counts = reminders.plan_reminders()
    escalations = reminders.plan_escalations()
    digests = reminders.plan_digests()
    delivered = dispatch.deliver_due()
    return (
        f"claimed {counts['reminders']} reminders, {counts['events']} events, {escalations} escalations, "
        f"{digests} digests; {delivered}"
    )


def after_new_data() -> str:
    """Right after a sync brought data: route the new cases, then the alert pass (reminders go to the
    people just assigned), instead of waiting up to 15 minutes for each schedule."""
    return f"{auto_assign_cases()}; {send_deadline_alerts()}"


def deliver_alerts() -> str:
    """Send pending alerts whose time has come (new data alerts, retries after backoff)."""
    from refunds.services.alerts import dispatch

    return str(dispatch.deliver_due())
