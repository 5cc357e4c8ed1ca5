"""Shortage claims: invoiced vs shipped vs received, proof of delivery, later receipts, blackout."""

from datetime import UTC, datetime
from decimal import Decimal

from refunds.choices import MatchStatus, Recommendation
from refunds.models import ChargebackAssessment
from refunds.services.matching import evaluate_chargebacks
from tests.refunds.matching_data import NOW, make_chargeback, make_invoice, make_po, make_shipment


def evaluate(cb, now=NOW) -> ChargebackAssessment:
    evaluate_chargebacks([cb.id], now=now)
    cb.refresh_from_db()
    return cb.assessment


def texts(assessment) -> str:
    return "\n".join(check["text"] for check in assessment.checks)


def test_delivered_with_proof_is_disputable_in_full(account):
    make_po(account, received=96)
    make_shipment(account, shipped=120)
    make_invoice(account, quantity=120)
    cb = make_chargeback(account, quantity=24, amount="240.00")
    a = evaluate(cb)
    assert a.recommendation == Recommendation.DISPUTE == cb.recommendation
    assert a.expected_recovery == Decimal("240.00")
    assert a.confidence >= Decimal("0.90")
    assert a.match_status == MatchStatus.MATCHED
    words = texts(a)
    assert "ASN 4411 shipped 120 units in 10 cartons." in words
    assert "96 units received" in words
    assert "Delivered to ABE8 on 2026-01-08 under BOL BOL778" in words
    assert "shortage claim of 24 units: 24 units are disputable" in words
    assert a.matched["purchase_order"][1] == "2JK3S9VC"
    assert "proof_of_delivery" in a.evidence_present


def test_short_shipped_units_are_a_fair_claim(account):
    make_po(account, received=96)
    make_shipment(account, shipped=110)
    make_invoice(account, quantity=120)
    cb = make_chargeback(account, quantity=24, amount="240.00")
    a = evaluate(cb)
    assert a.recommendation == Recommendation.DISPUTE
    assert a.expected_recovery == Decimal("140.00")  # 14 of the 24 units were shipped and delivered
    assert "120 units invoiced but 110 units shipped: 10 units of the claim are fair" in texts(a)


def test_nothing_shipped_beyond_receipt_is_accepted(account):
    make_po(account, received=96)
    make_shipment(account, shipped=96)
    make_invoice(account, quantity=120)
    a = evaluate(make_chargeback(account, quantity=24, amount="240.00"))
    assert a.recommendation == Recommendation.ACCEPT
    assert a.expected_recovery == 0


def test_without_proof_of_delivery_it_needs_evidence(account):
    make_po(account, received=96)
    make_shipment(account, shipped=120, bol="", delivered=None)
    make_invoice(account, quantity=120)
    a = evaluate(make_chargeback(account, quantity=24, amount="240.00"))
    assert a.recommendation == Recommendation.NEEDS_EVIDENCE
    assert a.expected_recovery == Decimal("240.00")
    assert "proof_of_delivery" in a.evidence_missing
    assert "No proof of delivery" in texts(a)


def test_a_later_partial_receipt_proves_the_units_arrived(account):
    make_po(account, received=120)  # Amazon's receipt caught up after the claim
    make_shipment(account, shipped=120, bol="", delivered=None)
    make_invoice(account, quantity=120)
    a = evaluate(make_chargeback(account, quantity=24, amount="240.00"))
    assert "arrived in a later receipt" in texts(a)
    assert a.recommendation == Recommendation.DISPUTE
    assert a.expected_recovery == Decimal("240.00")


def test_inside_the_matching_period_it_waits(account):
    make_po(account)
    make_shipment(account)
    make_invoice(account)  # due 2026-02-09: disputable from 2026-03-16
    cb = make_chargeback(account)
    a = evaluate(cb, now=datetime(2026, 3, 10, 12, tzinfo=UTC))
    assert a.recommendation == Recommendation.WAIT
    assert a.expected_recovery == Decimal("240.00")
    assert "disputable from 2026-03-16" in a.summary


def test_an_impossible_quantity_is_flagged_not_a_crash(account):
    make_po(account, received=0)
    make_shipment(account, shipped=120)
    make_invoice(account, quantity=120)
    a = evaluate(make_chargeback(account, quantity=500, amount="5000.00"))
    assert "the claim is impossible" in texts(a)
    assert a.recommendation == Recommendation.DISPUTE


def test_claimed_units_are_derived_from_the_amount_when_missing(account):
    make_po(account)
    make_shipment(account)
    make_invoice(account)
    a = evaluate(make_chargeback(account, quantity=None, amount="240.00"))
    assert "240.00 at 10.00 a unit is 24 units" in texts(a)
    assert a.recommendation == Recommendation.DISPUTE


def test_cases_on_the_asn_count_as_eaches(account):
    from refunds.models import ShipmentItem

    make_po(account, received=96)
    shipment = make_shipment(account, shipped=120)
    ShipmentItem.objects.filter(shipment=shipment).update(shipped_quantity=10, unit="Cases", unit_size=12)
    make_invoice(account, quantity=120)
    a = evaluate(make_chargeback(account))
    assert "ASN 4411 shipped 120 units in 10 cartons." in texts(a)
    assert a.recommendation == Recommendation.DISPUTE
