"""Matching's PostgreSQL fast path writes the same rows as the ORM path on the same input.

The ORM path is the reference (docs/ARCHITECTURE.md, "Two write paths"). The worked sample vendor goes
in through the doors once; every deduction is judged on the fast path, the rows it wrote are read,
the verdicts are cleared, and the same deductions are judged again with the fast path switched off
(`fastsql.is_postgresql` is the one switch: reads, assessment upserts and derived-field updates).
"""

from pathlib import Path

import pytest
from django.db import connection

from refunds.models import Chargeback, ChargebackAssessment
from refunds.services.matching import fastsql
from simulator.folder_loader import evaluate_all, load_folder

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the fast path is PostgreSQL's"),
]

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "vc-sample"
DERIVED = ("disputable_from", "due_on", "target_on", "recommendation")
VOLATILE = {"id", "evaluated_at"}


def written(organization) -> dict[str, dict]:
    """What matching wrote for each deduction: its derived fields and its whole assessment."""
    cases = Chargeback.objects.filter(account__organization=organization)
    rows = {
        amazon_id: {"case": dict(zip(DERIVED, rest, strict=True))}
        for amazon_id, *rest in cases.values_list("amazon_id", *DERIVED)
    }
    assessments = ChargebackAssessment.objects.filter(chargeback__in=cases).values(
        "chargeback__amazon_id",
        *[f.attname for f in ChargebackAssessment._meta.concrete_fields if f.attname not in VOLATILE],
    )
    for assessment in assessments:
        rows[assessment.pop("chargeback__amazon_id")]["assessment"] = assessment
    return rows


def test_fast_path_and_orm_path_write_the_same_verdicts(monkeypatch):
    loaded = load_folder(SAMPLE, slug="fast-path-twin")
    evaluate_all(loaded)
    fast = written(loaded.organization)
    assert sum("assessment" in row for row in fast.values()) == len(fast) > 0

    cases = Chargeback.objects.filter(account__organization=loaded.organization)
    ChargebackAssessment.objects.filter(chargeback__in=cases).delete()
    cases.update(disputable_from=None, due_on=None, target_on=None, recommendation="")
    monkeypatch.setattr(fastsql, "is_postgresql", lambda: False)
    evaluate_all(loaded)

    assert written(loaded.organization) == fast
