"""Price claims, operational chargebacks and co-op deductions against hand-made documents."""

from datetime import date
from decimal import Decimal

import pytest

from refunds.choices import CoopBase, DeductionFamily, Recommendation
from refunds.models import CoopAgreement
from refunds.services.matching import evaluate_chargebacks
from tests.refunds.matching_data import NOW, make_chargeback, make_invoice, make_po, make_shipment


def evaluate(cb):
    evaluate_chargebacks([cb.id], now=NOW)
    cb.refresh_from_db()
    return cb.assessment


def texts(assessment) -> str:
    return "\n".join(check["text"] for check in assessment.checks)


def price_claim(account, amount, issue_date=date(2026, 3, 1)):
    return make_chargeback(
        account,
        "INV1001PC",
        family=DeductionFamily.PRICE,
        deduction_type="price_claim",
        amount=amount,
        quantity=120,
        issue_date=issue_date,
    )


# The invoice is due 2026-02-09; price claims must be disputed within 30 days of it, by 2026-03-11.
PRICE_NOW_OK = {"invoice_date": date(2026, 2, 10), "due_date": date(2026, 3, 12)}


def test_price_claim_on_a_matching_price_is_disputable(account):
    make_po(account, net_cost="10.00")
    make_invoice(account, unit_cost="10.00", **PRICE_NOW_OK)
    a = evaluate(price_claim(account, "60.00"))
    assert a.recommendation == Recommendation.DISPUTE
    assert a.expected_recovery == Decimal("60.00")
    assert "the same as the PO cost" in texts(a)


def test_price_claim_matching_the_difference_is_valid(account):
    make_po(account, net_cost="10.00")
    make_invoice(account, unit_cost="10.50", **PRICE_NOW_OK)
    a = evaluate(price_claim(account, "60.00"))
    assert a.recommendation == Recommendation.ACCEPT
    assert "0.5000 above the PO cost: 60.00 is a fair claim" in texts(a)


def test_price_claim_beyond_the_difference_disputes_the_excess(account):
    make_po(account, net_cost="10.00")
    make_invoice(account, unit_cost="10.50", **PRICE_NOW_OK)
    a = evaluate(price_claim(account, "100.00"))
    assert a.recommendation == Recommendation.DISPUTE
    assert a.expected_recovery == Decimal("40.00")


def test_case_pack_cost_is_compared_per_unit(account):
    make_po(account, net_cost="120.00", unit="Cases", unit_size=12, ordered=10)
    make_invoice(account, unit_cost="10.00", **PRICE_NOW_OK)
    a = evaluate(price_claim(account, "1320.00"))
    assert "is per case of 12; the invoice prices eaches: 10.0000 per unit" in texts(a)
    assert a.recommendation == Recommendation.DISPUTE
    assert a.expected_recovery == Decimal("1320.00")


def test_rounding_differences_are_not_a_price_error(account):
    make_po(account, net_cost="3.335")
    make_invoice(account, unit_cost="3.34", **PRICE_NOW_OK)
    a = evaluate(price_claim(account, "0.60"))
    assert "rounding difference" in texts(a)
    assert a.recommendation == Recommendation.DISPUTE


def test_price_claim_after_its_window_is_too_late(account):
    make_po(account, net_cost="10.00")
    make_invoice(account, unit_cost="10.00")  # due 2026-02-09 → last day 2026-03-11
    a = evaluate(price_claim(account, "60.00", issue_date=date(2026, 2, 20)))
    assert a.recommendation == Recommendation.ACCEPT
    assert "window closed on 2026-03-11" in a.summary


def operational(account, deduction_type, amount="50.00"):
    return make_chargeback(
        account,
        f"{deduction_type}-1VCBSINV",
        family=DeductionFamily.OPERATIONAL,
        deduction_type=deduction_type,
        amount=amount,
        quantity=None,
        issue_date=date(2026, 3, 10),
        invoice_number="",
    )


@pytest.mark.parametrize(
    ("po_args", "shipment_args", "expected", "words"),
    [
        (
            {"received": 120},
            {},
            Recommendation.DISPUTE,
            "ASN 4411 confirmed 2026-01-06 01:00, delivered 2026-01-08 06:00.",
        ),
        ({"received": 120}, {"asn_sent": "2026-01-09"}, Recommendation.ACCEPT, "after the delivery: late ASN"),
        ({"received": 120}, {"asn_sent": None}, Recommendation.ACCEPT, "confirmed never"),
        ({"received": 96}, {}, Recommendation.ACCEPT, "ASN units 120 of B07XYZ1234; Amazon received 96."),
        ({"received": 120}, {"pod_cartons": 9}, Recommendation.ACCEPT, "ASN 4411 10 cartons, POD 9"),
    ],
)
def test_asn_accuracy(account, po_args, shipment_args, expected, words):
    make_po(account, **po_args)
    make_shipment(account, **shipment_args)
    a = evaluate(operational(account, "asn_accuracy"))
    assert a.recommendation == expected
    assert words in texts(a)


def test_asn_accuracy_without_a_pod_cannot_compare_cartons(account):
    make_po(account, received=120)
    make_shipment(account, bol="", delivered=None)
    a = evaluate(operational(account, "asn_accuracy"))
    assert a.recommendation == Recommendation.NEEDS_EVIDENCE


def test_asn_chargeback_without_any_asn_is_valid(account):
    make_po(account)
    a = evaluate(operational(account, "asn_accuracy"))
    assert a.recommendation == Recommendation.ACCEPT
    assert "No ASN on file for PO 2JK3S9VC" in texts(a)


@pytest.mark.parametrize(("cartons", "expected"), [(10, Recommendation.NEEDS_EVIDENCE), (0, Recommendation.ACCEPT)])
def test_carton_content_label_needs_photos_unless_the_asn_has_no_carton_data(account, cartons, expected):
    make_po(account)
    make_shipment(account, cartons=cartons)
    a = evaluate(operational(account, "no_carton_content_label"))  # an alias of carton_content_label
    assert a.recommendation == expected
    assert a.expected_recovery == 0


@pytest.mark.parametrize(
    ("delivered", "expected"),
    [("2026-01-12", Recommendation.DISPUTE), ("2026-01-13", Recommendation.ACCEPT)],
)
def test_po_on_time_compares_the_pod_delivery_with_the_delivery_window(account, delivered, expected):
    # The window ends 2026-01-13 08:00 UTC; the POD says 14:00 UTC on the day given.
    make_po(account, window=("2026-01-05", "2026-01-13"))
    make_shipment(account, delivered=delivered)
    a = evaluate(operational(account, "po_on_time_accuracy"))  # the generator's spelling, an alias
    assert a.recommendation == expected
    assert "PO 2JK3S9VC delivery window 2026-01-05 00:00 – 2026-01-13 00:00" in texts(a)


def test_po_on_time_without_a_pod_needs_evidence(account):
    make_po(account)
    make_shipment(account, bol="", delivered=None)
    a = evaluate(operational(account, "po_on_time"))
    assert a.recommendation == Recommendation.NEEDS_EVIDENCE
    assert "No proof of delivery for PO 2JK3S9VC yet." in texts(a)


def test_no_show_with_a_recorded_delivery_is_disputable(account):
    make_po(account)
    make_shipment(account)
    assert evaluate(operational(account, "no_show")).recommendation == Recommendation.DISPUTE


def test_no_show_without_delivery_is_valid(account):
    make_po(account)
    make_shipment(account, delivered=None)
    assert evaluate(operational(account, "no_show")).recommendation == Recommendation.ACCEPT


@pytest.mark.parametrize("code", ["prep", "prep_bagging"])
def test_prep_needs_photos(account, code):
    make_po(account)
    a = evaluate(operational(account, code))
    assert a.recommendation == Recommendation.NEEDS_EVIDENCE
    assert "only photos can decide this one" in a.summary


def test_overage_when_received_beyond_accepted_is_valid(account):
    make_po(account, ordered=120, accepted=120, received=127)
    a = evaluate(operational(account, "overage_po_units"))
    assert a.recommendation == Recommendation.ACCEPT
    assert "Amazon received 127 against 120 accepted units of B07XYZ1234." in texts(a)


def test_overage_when_received_within_confirmed(account):
    make_po(account, ordered=120, received=120)
    assert evaluate(operational(account, "overage_po_units")).recommendation == Recommendation.DISPUTE


def coop_deduction(account, amount="500.00", issue_date=date(2026, 3, 5), text="AGR-77"):
    return make_chargeback(
        account,
        "1234-56789012",
        family=DeductionFamily.COOP,
        deduction_type="coop",
        amount=amount,
        quantity=None,
        issue_date=issue_date,
        po_number="",
        invoice_number="1234-56789012",
        description=f"Co-op marketing {text}",
    )


def agreement(account, **extra):
    values = {
        "agreement_id": "AGR-77",
        "vendor_code": "ACMEU",
        "base": CoopBase.FLAT_FEE,
        "flat_amount": Decimal("400.00"),
        "currency": "USD",
        "starts_on": date(2026, 1, 1),
        "ends_on": date(2026, 12, 31),
    }
    values.update(extra)
    return CoopAgreement.objects.create(account=account, **values)


def test_coop_flat_fee_overcharge_is_disputable(account):
    agreement(account)
    a = evaluate(coop_deduction(account))
    assert a.recommendation == Recommendation.DISPUTE
    assert a.expected_recovery == Decimal("100.00")


def test_coop_in_a_waived_period_is_disputable_in_full(account):
    agreement(account, waived_periods=[{"from": "2026-03-01", "to": "2026-03-31"}])
    a = evaluate(coop_deduction(account, amount="400.00"))
    assert a.expected_recovery == Decimal("400.00")
    assert "inside a waived period" in texts(a)


def test_coop_on_another_vendor_code_is_disputable(account):
    agreement(account, vendor_code="OTHER")
    a = evaluate(coop_deduction(account, amount="400.00"))
    assert a.recommendation == Recommendation.DISPUTE
    assert "vendor code OTHER" in texts(a)


def test_coop_without_an_agreement_needs_evidence(account):
    a = evaluate(coop_deduction(account))
    assert a.recommendation == Recommendation.NEEDS_EVIDENCE
    assert a.chargeback.due_on == date(2028, 3, 4)  # 730 days from the co-op invoice (the deduction) date


def test_coop_charged_above_the_agreed_rate_disputes_the_excess(account):
    agreement(account, base=CoopBase.PERCENT_OF_RECEIPTS, rate_percent=Decimal("3.0"), flat_amount=None)
    cb = coop_deduction(account, amount="500.00", text="AGR-77: 5% of 10,000.00")
    a = evaluate(cb)
    assert "Charged 500.00 (5% on a base of 10,000.00); agreement AGR-77 at 3%: 10,000.00 × 3% = 300.00" in texts(a)
    assert a.recommendation == Recommendation.DISPUTE
    assert a.expected_recovery == Decimal("200.00")


def rated_coop(account, amount, *, rate="3.00", base="103455.71", **extra):
    """A co-op row as Vendor Central's export gives it: agreement id, Rate Percent and Base Amount columns."""
    cb = coop_deduction(account, amount=amount, text="", **extra)
    type(cb).objects.filter(pk=cb.pk).update(
        coop_agreement_id="AGR-77", coop_rate_percent=Decimal(rate), coop_base_amount=Decimal(base)
    )
    cb.refresh_from_db()
    return cb


def test_coop_excess_is_amount_less_the_base_at_the_agreements_rate_not_the_rows(account):
    agreement(account, base=CoopBase.PERCENT_OF_RECEIPTS, rate_percent=Decimal("2.5"), flat_amount=None)
    # 98,641.46 × 2.5% = 2,466.04 (rounded to the cent); the row claims 3%.
    a = evaluate(rated_coop(account, "2959.24", rate="3.00", base="98641.46"))
    assert a.recommendation == Recommendation.DISPUTE
    assert a.expected_recovery == Decimal("493.20")


def test_coop_as_agreed_is_accepted(account):
    agreement(account, base=CoopBase.PERCENT_OF_RECEIPTS, rate_percent=Decimal("3.0"), flat_amount=None)
    a = evaluate(rated_coop(account, "3103.67", base="103455.71"))
    assert a.recommendation == Recommendation.ACCEPT


def test_coop_outside_the_agreements_term_is_invalid_in_full(account):
    agreement(account, base=CoopBase.PERCENT_OF_RECEIPTS, rate_percent=Decimal("3.0"), flat_amount=None)
    a = evaluate(rated_coop(account, "3103.67", issue_date=date(2025, 12, 31)))
    assert a.recommendation == Recommendation.DISPUTE
    assert a.expected_recovery == Decimal("3103.67")
    assert "outside the agreement's period" in texts(a)


def test_coop_without_a_base_is_never_accepted_blind(account):
    agreement(account, base=CoopBase.PERCENT_OF_RECEIPTS, rate_percent=Decimal("3.0"), flat_amount=None)
    a = evaluate(coop_deduction(account, amount="300.00"))
    assert a.recommendation == Recommendation.NEEDS_EVIDENCE


def test_coop_naming_an_agreement_not_on_file_needs_evidence(account):
    agreement(account, agreement_id="OTHER-1", base=CoopBase.PERCENT_OF_RECEIPTS, rate_percent=Decimal("3.0"))
    a = evaluate(rated_coop(account, "3103.67"))
    assert a.recommendation == Recommendation.NEEDS_EVIDENCE
    assert "No co-op agreement on file matches this deduction." in texts(a)


def test_coop_at_the_agreed_rate_is_valid(account):
    agreement(account, base=CoopBase.PERCENT_OF_RECEIPTS, rate_percent=Decimal("3.0"), flat_amount=None)
    a = evaluate(coop_deduction(account, amount="300.00", text="AGR-77: 3% of 10,000.00"))
    assert a.recommendation == Recommendation.ACCEPT


def test_price_claim_names_only_the_invoice_and_reaches_the_po_through_its_lines(account):
    make_po(account, net_cost="10.00")
    make_invoice(account, unit_cost="10.50", **PRICE_NOW_OK)
    cb = price_claim(account, "100.00")
    type(cb).objects.filter(pk=cb.pk).update(po_number="", po_number_normalized="", asin="", quantity=None)
    a = evaluate(cb)
    assert a.recommendation == Recommendation.DISPUTE
    assert a.expected_recovery == Decimal("40.00")
    assert "Invoice INV1001 line 1 (B07XYZ1234): 120 units at 10.50, PO 2JK3S9VC cost 10.00" in texts(a)
