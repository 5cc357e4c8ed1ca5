"""Shortage claims (`<invoice>SC`) per the verdict rules: line by line of the invoice, through its POs.

valid part = Σ c × max(0, inv − max(rec, proven)), proven = ASN units with a signed POD covering
every ASN carton; invalid part = claim − valid part. Nothing invalid but units shipped, not received
and without signed proof → needs evidence.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

from refunds.choices import MatchStatus, Recommendation
from refunds.models import ChargebackAssessment, InvoiceLine, PurchaseOrderItem, ShipmentItem
from refunds.services.matching import evaluate_chargebacks
from tests.refunds.matching_data import (
    NOW,
    make_chargeback,
    make_invoice,
    make_po,
    make_remittance_line,
    make_shipment,
)

OTHER_ASIN = "B0OTHER001"


def evaluate(cb, now=NOW) -> ChargebackAssessment:
    evaluate_chargebacks([cb.id], now=now)
    cb.refresh_from_db()
    return cb.assessment


def texts(assessment) -> str:
    return "\n".join(check["text"] for check in assessment.checks)


def claim(account, amount="240.00", **extra):
    """A claim as Vendor Central's invoice export gives it: only the invoice, no PO, ASIN or quantity."""
    defaults = {"po_number": "", "quantity": None}
    cb = make_chargeback(account, amount=amount, **{**defaults, **extra})
    type(cb).objects.filter(pk=cb.pk).update(asin="")
    cb.refresh_from_db()
    return cb


def test_the_claim_reaches_its_po_through_the_invoice_lines(account):
    make_po(account, received=96)
    make_shipment(account, shipped=120)
    make_invoice(account, quantity=120)
    cb = claim(account)
    a = evaluate(cb)
    assert a.match_status == MatchStatus.MATCHED
    assert a.matched["purchase_order"][1] == "2JK3S9VC"
    assert a.recommendation == Recommendation.DISPUTE == cb.recommendation
    assert a.expected_recovery == Decimal("240.00")  # 24 units delivered per the signed BOL, 10.00 each
    words = texts(a)
    assert "Invoice INV1001 billed 120 units of B07XYZ1234 at 10.00 USD on PO 2JK3S9VC" in words
    assert "signed BOL of 2026-01-08 shows 10/10 cartons delivered" in words
    assert "Amazon now shows 96 units received" in words
    assert "240.00 USD is disputable" in words
    assert "proof_of_delivery" in a.evidence_present


def test_each_invoice_line_counts_at_its_own_cost(account):
    po = make_po(account, received=96)
    PurchaseOrderItem.objects.create(
        purchase_order=po, item_sequence_number="2", asin=OTHER_ASIN, ordered_quantity=10, accepted_quantity=10,
        net_cost=Decimal("99.00"), currency="USD", received_quantity=10,
    )  # fmt: skip
    shipment = make_shipment(account, shipped=120)
    ShipmentItem.objects.create(
        shipment=shipment, item_sequence_number="2", po_number="2JK3S9VC", asin=OTHER_ASIN, shipped_quantity=10
    )
    invoice = make_invoice(account, quantity=120)
    InvoiceLine.objects.create(
        invoice=invoice, line_number=2, po_number="2JK3S9VC", asin=OTHER_ASIN, quantity=10,
        unit_cost=Decimal("99.00"), amount=Decimal("990.00"), currency="USD",
    )  # fmt: skip
    # 24 units of the first line at 10.00 (the second line was received in full): all invalid.
    a = evaluate(claim(account, amount="240.00"))
    assert a.recommendation == Recommendation.DISPUTE
    assert a.expected_recovery == Decimal("240.00")
    assert "at 99.00 USD" in texts(a)  # the second line was looked at with its own cost


def test_units_never_shipped_are_a_valid_part(account):
    make_po(account, received=96)
    make_shipment(account, shipped=110)
    make_invoice(account, quantity=120)
    a = evaluate(claim(account))
    assert a.recommendation == Recommendation.DISPUTE
    assert a.expected_recovery == Decimal("140.00")  # 10 never shipped are valid (100.00); 14 delivered are not
    assert "120 units invoiced but 110 units shipped: 10 units never shipped are a fair claim" in texts(a)


def test_shipped_fewer_than_invoiced_and_received_all_shipped_is_accepted(account):
    make_po(account, received=96)
    make_shipment(account, shipped=96)
    make_invoice(account, quantity=120)
    a = evaluate(claim(account))
    assert a.recommendation == Recommendation.ACCEPT
    assert a.expected_recovery == 0


def test_a_signed_pod_short_of_cartons_makes_the_claim_valid(account):
    make_po(account, received=96)
    make_shipment(account, shipped=120, pod_cartons=8)
    make_invoice(account, quantity=120)
    a = evaluate(claim(account))
    assert a.recommendation == Recommendation.ACCEPT
    assert "shows 8/10 cartons delivered" in texts(a)
    assert "claim the carrier" in texts(a)


def test_without_signed_proof_of_delivery_it_needs_evidence(account):
    make_po(account, received=96)
    make_shipment(account, shipped=120, pod_signed=False)
    make_invoice(account, quantity=120)
    a = evaluate(claim(account))
    assert a.recommendation == Recommendation.NEEDS_EVIDENCE
    assert a.expected_recovery == 0
    assert "unsigned BOL" in texts(a)
    assert "obtain a signed POD/BOL before disputing" in texts(a)


def test_no_pod_at_all_needs_evidence(account):
    make_po(account, received=96)
    make_shipment(account, shipped=120, bol="", delivered=None)
    make_invoice(account, quantity=120)
    a = evaluate(claim(account))
    assert a.recommendation == Recommendation.NEEDS_EVIDENCE
    assert "no POD/BOL on file" in texts(a)


def test_units_received_after_the_claim_make_that_part_invalid(account):
    make_po(account, received=110)  # Amazon's receipt caught up by 14 of the 24 units since the claim
    make_shipment(account, shipped=120, bol="", delivered=None)
    make_invoice(account, quantity=120)
    a = evaluate(claim(account))
    assert "units arrived in a later receipt count as delivered" in texts(a)
    assert a.recommendation == Recommendation.DISPUTE
    assert a.expected_recovery == Decimal("140.00")


def test_units_received_in_full_after_the_claim_make_it_invalid(account):
    make_po(account, received=120)
    make_shipment(account, shipped=120, bol="", delivered=None)
    make_invoice(account, quantity=120)
    a = evaluate(claim(account))
    assert a.recommendation == Recommendation.DISPUTE
    assert a.expected_recovery == Decimal("240.00")


def test_a_partial_scr_credit_counts_once(account):
    from refunds.models import Invoice

    make_po(account, received=96)
    make_shipment(account, shipped=120)
    make_invoice(account, quantity=120)
    # The same credit in the invoice export and in the payment.
    Invoice.objects.create(
        account=account, number="INV1001SCR", invoice_date=date(2026, 2, 20), amount=Decimal("100.00"), currency="USD"
    )
    make_remittance_line(account, "INV1001SCR", "100.00")
    a = evaluate(claim(account))
    assert a.recommendation == Recommendation.DISPUTE
    assert a.expected_recovery == Decimal("140.00")


def test_a_full_scr_credit_reverses_the_claim(account):
    make_po(account, received=96)
    make_shipment(account, shipped=120)
    make_invoice(account, quantity=120)
    make_remittance_line(account, "INV1001SCR", "240.00")
    a = evaluate(claim(account))
    assert a.recommendation == Recommendation.ACCEPT
    assert a.expected_recovery == 0
    assert a.summary.startswith("Accept: Amazon already paid this back")


def test_inside_the_matching_period_an_invalid_claim_waits(account):
    make_po(account)
    make_shipment(account)
    make_invoice(account)  # due 2026-02-09: disputable from 2026-03-16
    cb = claim(account)
    a = evaluate(cb, now=datetime(2026, 3, 10, 12, tzinfo=UTC))
    assert a.recommendation == Recommendation.WAIT
    assert a.expected_recovery == Decimal("240.00")
    assert "disputable from 2026-03-16" in a.summary


def test_inside_the_matching_period_a_valid_claim_is_accepted(account):
    make_po(account, received=96)
    make_shipment(account, shipped=96)
    make_invoice(account)
    a = evaluate(claim(account), now=datetime(2026, 3, 10, 12, tzinfo=UTC))
    assert a.recommendation == Recommendation.ACCEPT


def test_after_the_last_day_it_is_accepted_with_nothing_to_recover(account):
    make_po(account)
    make_shipment(account)
    make_invoice(account)  # invoice 2026-01-10: last day 2028-01-10
    a = evaluate(claim(account), now=datetime(2028, 1, 11, 12, tzinfo=UTC))
    assert a.recommendation == Recommendation.ACCEPT
    assert a.expected_recovery == 0
    assert "window closed on 2028-01-10" in a.summary


def test_a_claim_above_what_was_billed_is_flagged_not_a_crash(account):
    make_po(account, received=0)
    make_shipment(account, shipped=120)
    make_invoice(account, quantity=120)
    a = evaluate(claim(account, amount="5000.00"))
    assert "the claim is impossible" in texts(a)
    assert a.recommendation == Recommendation.DISPUTE
    assert a.expected_recovery == Decimal("5000.00")


def test_cases_on_the_asn_count_as_eaches(account):
    make_po(account, received=96)
    shipment = make_shipment(account, shipped=120)
    ShipmentItem.objects.filter(shipment=shipment).update(shipped_quantity=10, unit="Cases", unit_size=12)
    make_invoice(account, quantity=120)
    a = evaluate(claim(account))
    assert "ASNs shipped 120 units in all" in texts(a)
    assert a.recommendation == Recommendation.DISPUTE


def test_missing_invoice_or_po_waits_for_documents(account):
    cb = claim(account)
    a = evaluate(cb)
    assert a.recommendation == Recommendation.NEEDS_EVIDENCE
    assert a.match_status == MatchStatus.UNMATCHED
    make_invoice(account)
    b = evaluate(cb)
    assert b.recommendation == Recommendation.NEEDS_EVIDENCE
    assert "PO 2JK3S9VC of invoice INV1001" in texts(b)
