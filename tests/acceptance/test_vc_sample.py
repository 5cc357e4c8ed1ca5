"""The worked sample vendor, loaded through the real doors, judged against its right answers.

tests/data/vc-sample/ is a vendor's files in Amazon's and its ERP's shapes (see its README). The
whole folder goes in once per module, the way a new user would load it (simulator/folder_loader.py:
the SP-API connector over HTTP from a local server, the push API with an API key, the report
import service with combined files), all as of the folder's `asOf`, inside a transaction that is
rolled back afterwards. Then every entry of expected.json is checked on its own: action,
recoverable amount, due_on, disputable_from.
"""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import transaction

from refunds.choices import DeductionFamily
from simulator.folder_loader import evaluate_all, load_folder, predictions

pytestmark = pytest.mark.django_db  # tells pytest-django to set up the test database for the module fixture

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "vc-sample"
EXPECTED = json.loads((SAMPLE / "expected.json").read_text())["deductions"]

# Deductions the product still gets wrong, each with why (strict: a fix makes the test say so).
KNOWN_GAPS: dict[str, str] = {}


def _marks(expected) -> list:
    reason = KNOWN_GAPS.get(expected["id"])
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []


@pytest.fixture(scope="module")
def sample(django_db_setup, django_db_blocker):
    """(predictions by id, what the doors refused, the Loaded) for the whole sample, loaded once."""
    with django_db_blocker.unblock(), transaction.atomic():
        loaded = load_folder(SAMPLE, slug="vc-sample-acceptance")
        evaluate_all(loaded)
        by_id = {p["id"]: p for p in predictions(loaded)}
        problems = list(loaded.problems)
        facts = _facts(loaded)
        transaction.set_rollback(True)
    return by_id, problems, facts


def _facts(loaded) -> dict:
    """A few things the doors must have carried, read back before the rollback."""
    from refunds.models import Chargeback, Invoice, ProofOfDelivery, RemittanceLine

    org = loaded.organization
    cbs = Chargeback.objects.filter(account__organization=org)
    return {
        "families": {cb.amazon_id: cb.family for cb in cbs},
        "claims_without_invoice": list(
            cbs.filter(family__in=[DeductionFamily.SHORTAGE, DeductionFamily.PRICE], invoice_number="").values_list(
                "amazon_id", flat=True
            )
        ),
        "reported_currency": dict(cbs.exclude(reported_currency="").values_list("amazon_id", "reported_currency")),
        "coop_rates": {cb.amazon_id: (cb.coop_rate_percent, cb.coop_base_amount) for cb in cbs.filter(family="coop")},
        "proofs": ProofOfDelivery.objects.filter(account__organization=org).count(),
        "settlements": RemittanceLine.objects.filter(remittance__account__organization=org)
        .exclude(chargeback_id="")
        .count(),
        "date_conflicts": [i.number for i in Invoice.objects.filter(account__organization=org) if i.date_conflict],
    }


def test_every_file_goes_in_through_the_doors(sample):
    by_id, problems, facts = sample
    assert problems == []
    assert set(by_id) == {e["id"] for e in EXPECTED}
    assert facts["proofs"] == 68  # every POD and BOL of erp/proofs_of_delivery.json
    assert facts["claims_without_invoice"] == []


def test_deductions_arrive_as_the_right_family(sample):
    _, _, facts = sample
    families = {
        "shortage": DeductionFamily.SHORTAGE,
        "price": DeductionFamily.PRICE,
        "operational": DeductionFamily.OPERATIONAL,
        "coop": DeductionFamily.COOP,
    }
    assert facts["families"] == {e["id"]: families[e["family"]] for e in EXPECTED}


def test_currency_label_is_kept_beside_the_row(sample):
    _, _, facts = sample
    mislabelled = {e["id"] for e in EXPECTED if e["account"] == "QBQFL"} & set(facts["reported_currency"])
    assert mislabelled  # the US rows printed with CAD are in, in dollars, with the label kept
    assert set(facts["reported_currency"].values()) == {"CAD"}


def test_coop_rows_keep_rate_and_base(sample):
    _, _, facts = sample
    assert facts["coop_rates"]
    assert all(rate is not None and base is not None for rate, base in facts["coop_rates"].values())


def test_chargeback_settlements_are_linked_to_their_issue(sample):
    _, _, facts = sample
    assert facts["settlements"] > 0


def test_pushed_utc_dates_never_move_vendor_centrals(sample):
    """ERP invoices sent on a US evening carry the next UTC day; VC's local date stays, the conflict is visible."""
    _, _, facts = sample
    erp = json.loads((SAMPLE / "erp" / "invoices.json").read_text())["invoices"]
    vc_dates = _vc_invoice_dates()
    differing = {inv["id"] for inv in erp if inv["id"] in vc_dates and inv["date"][:10] != vc_dates[inv["id"]]}
    assert set(facts["date_conflicts"]) <= differing


def _vc_invoice_dates() -> dict:
    import csv
    from datetime import datetime

    dates = {}
    with (SAMPLE / "vc" / "invoices.csv").open() as handle:
        for row in csv.DictReader(handle):
            fmt = "%m/%d/%Y" if row["Payee"] == "QBQFL" else "%d/%m/%Y"
            dates[row["Invoice Number"]] = datetime.strptime(row["Invoice Date"], fmt).date().isoformat()
    return dates


@pytest.mark.parametrize("expected", [pytest.param(e, id=e["id"], marks=_marks(e)) for e in EXPECTED])
def test_verdict_matches_the_right_answer(sample, expected):
    by_id, _, _ = sample
    got = by_id[expected["id"]]
    assert (got["action"], Decimal(got["expected_recovery"]), got["due_on"], got["disputable_from"]) == (
        expected["expected_action"],
        Decimal(expected["recoverable_amount"]),
        expected["due_on"],
        expected["disputable_from"],
    ), expected["reason"]
