"""Matching and reconciliation: find what each deduction is about and decide what to do with it.

`loader` batch-loads documents, `bundle` narrows them to one deduction, one module per family
(`shortage`, `price`, `operational`, `coop`) reconciles, `common` adds the checks every family
shares, `verdict` decides, `writer` stores, `evaluate` runs it all in batches.
"""

from refunds.services.matching.evaluate import (
    EvaluationRun,
    chargebacks_for_documents,
    evaluate_chargebacks,
    schedule_evaluation,
    schedule_for_agreements,
    schedule_for_documents,
)

__all__ = [
    "EvaluationRun",
    "chargebacks_for_documents",
    "evaluate_chargebacks",
    "schedule_evaluation",
    "schedule_for_agreements",
    "schedule_for_documents",
]
