"""django-q2 entry points of the refunds app: ids in, a one-line summary out."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from refunds.choices import Recommendation
from refunds.models import Chargeback
from refunds.services.matching import chargebacks_for_documents, evaluate_chargebacks
from refunds.services.policy import governed_chargeback_ids, open_chargebacks

# --- Policy rules, matching and deadlines (issue #4) ---------------------------------------------


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


def refresh_time_sensitive_verdicts() -> str:
    """Daily: verdicts that depend on the calendar — a blackout ending, a window closing — are redone.

    "Today" differs per marketplace, so a one-day margin around the server's date picks every
    candidate and the evaluation itself decides with each account's local date.
    """
    today = timezone.now().date()
    due = Q(recommendation=Recommendation.WAIT, disputable_from__lte=today + timedelta(days=1)) | Q(
        recommendation__in=[Recommendation.DISPUTE, Recommendation.NEEDS_EVIDENCE], due_on__lt=today + timedelta(days=1)
    )
    ids = open_chargebacks(Chargeback.objects.filter(due)).values_list("id", flat=True)
    return str(evaluate_chargebacks(list(ids), cause="the calendar moved on"))
