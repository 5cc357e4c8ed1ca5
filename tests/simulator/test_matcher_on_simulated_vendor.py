"""The matcher graded on a simulated vendor: real-shaped files, through the doors, against the answer key.

The simulator writes a small vendor's files in the worked sample's layout with its own answer for
every deduction (computed from the facts by the verdict rules, without the matcher); the folder
loader brings them in the way a new user would (SP-API sync over HTTP, the push API, the report
import) and every deduction is judged on the simulator's today.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from simulator.folder_loader import evaluate_all, load_folder, predictions
from simulator.vendor_files import account_for, simulate_vendor, write_folder

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def graded(django_db_setup, django_db_blocker, tmp_path_factory):
    """(expected by id, predicted by id, refused) for one simulated vendor, loaded once."""
    import json

    world = simulate_vendor(
        seed=23, as_of=date(2026, 12, 1), accounts=[account_for("QBQFL", "US"), account_for("HPB5H", "UK")], orders=60
    )
    folder = write_folder(world, tmp_path_factory.mktemp("vendor"))
    expected = {e["id"]: e for e in json.loads((folder / "expected.json").read_text())["deductions"]}
    with django_db_blocker.unblock(), transaction.atomic():
        loaded = load_folder(folder, slug="simulated-vendor", per_account=True)
        evaluate_all(loaded)
        predicted = {p["id"]: p for p in predictions(loaded)}
        refused = list(loaded.problems)
        transaction.set_rollback(True)
    return expected, predicted, refused


def test_every_deduction_arrives(graded):
    expected, predicted, _ = graded
    assert len(expected) > 20
    assert set(predicted) == set(expected)


def test_every_verdict_matches_the_answer_key(graded):
    expected, predicted, _ = graded
    wrong = [
        f"{key}: got {got['action']} {got['expected_recovery']} {got['due_on']} {got['disputable_from']}; "
        f"expected {e['expected_action']} {e['recoverable_amount']} {e['due_on']} {e['disputable_from']}: "
        f"{e['reason']}"
        for key, e in expected.items()
        if (got := predicted.get(key))
        and (got["action"], Decimal(got["expected_recovery"]), got["due_on"], got["disputable_from"])
        != (e["expected_action"], Decimal(e["recoverable_amount"]), e["due_on"], e["disputable_from"])
    ]
    assert wrong == []
    actions = {e["expected_action"] for e in expected.values()}
    assert {"dispute", "accept"} <= actions  # a grading that only ever says one thing would prove little
