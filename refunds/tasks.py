"""django-q2 entry points of the refunds app: ids in, a one-line summary out."""

from refunds.services.matching import evaluate_chargebacks
from refunds.services.policy import governed_chargeback_ids

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
