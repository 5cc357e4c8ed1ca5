"""Graded against the simulator's answers: the matcher sees only the documents a vendor would have."""

from datetime import date
from decimal import Decimal

from acorn_portal.models import VendorAccount
from refunds.choices import Recommendation
from refunds.models import Chargeback
from refunds.services.matching import evaluate_chargebacks
from simulator.generator import generate
from simulator.loader import account_spec, load
from simulator.models import SimulatedTruth


def test_simulated_deductions_are_judged_as_the_documents_prove(org):
    accounts = {
        "US": VendorAccount.objects.create(organization=org, name="Sim US", vendor_codes="SIMUS", marketplace="US"),
        "DE": VendorAccount.objects.create(organization=org, name="Sim DE", vendor_codes="SIMDE", marketplace="DE"),
    }
    specs = [account_spec(accounts["US"], weight=0.6), account_spec(accounts["DE"], weight=0.4)]
    load(generate(seed=11, accounts=specs, today=date(2026, 11, 1), deductions=400), vendor_accounts=accounts)
    run = evaluate_chargebacks(list(Chargeback.objects.values_list("id", flat=True)), replay=True)
    assert run.evaluated == 400
    truths = {(t.account_id, t.amazon_id): t for t in SimulatedTruth.objects.all()}
    wrong = []
    for cb in Chargeback.objects.select_related("assessment"):
        truth = truths[(cb.account_id, cb.amazon_id)]
        disputed = cb.recommendation == Recommendation.DISPUTE
        recovery = cb.assessment.expected_recovery if disputed else Decimal(0)
        if disputed != truth.is_disputable or recovery != truth.expected_recovery:
            wrong.append(f"{cb.deduction_type} {truth.reason}: {cb.assessment.summary}")
    assert wrong == []
    assert Chargeback.objects.filter(recommendation=Recommendation.DISPUTE).count() > 100
