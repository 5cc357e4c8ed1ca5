"""Checks every family shares, bad input, documents arriving late, and set-based query counts."""

from datetime import date
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from refunds.choices import DeductionFamily, MatchStatus, Recommendation
from refunds.models import ChargebackAssessment, PolicyRule
from refunds.services.matching import chargebacks_for_documents, evaluate_chargebacks
from tests.refunds.matching_data import (
    NOW,
    make_chargeback,
    make_invoice,
    make_po,
    make_remittance_line,
    make_shipment,
)


def evaluate(cb):
    evaluate_chargebacks([cb.id], now=NOW)
    cb.refresh_from_db()
    return cb.assessment


def texts(assessment) -> str:
    return "\n".join(check["text"] for check in assessment.checks)


def full_case(account):
    make_po(account)
    make_shipment(account)
    make_invoice(account)


OPERATIONAL = {"family": DeductionFamily.OPERATIONAL, "deduction_type": "asn_accuracy", "amount": "50.00"}


def _charge(account, issue_id, **extra):
    args = {**OPERATIONAL, "quantity": 48, "invoice_number": "", "issue_date": date(2026, 3, 2)}
    return make_chargeback(account, issue_id, **{**args, **extra})


def test_an_exact_duplicate_with_a_higher_issue_id_is_invalid_in_full(account):
    make_po(account)  # no ASN: the chargeback itself is valid
    first = _charge(account, "1146257861", description="Late ASN")
    second = _charge(account, "1146258060", description="Late ASN")
    evaluate_chargebacks([first.id, second.id], now=NOW)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.assessment.recommendation == Recommendation.ACCEPT
    assert "duplicate" not in texts(first.assessment).lower()
    assert "Exact duplicate of 1146257861 of 2026-03-02" in texts(second.assessment)
    assert second.assessment.recommendation == Recommendation.DISPUTE
    assert second.assessment.expected_recovery == Decimal("50.00")
    assert "charged twice" in second.assessment.summary


def test_a_charge_differing_in_date_notes_or_currency_label_is_not_a_duplicate(account):
    make_po(account)
    _charge(account, "1146257861")
    later = _charge(account, "1146258060", issue_date=date(2026, 3, 9))
    other_note = _charge(account, "1146258061", description="Another shipment")
    other_label = _charge(account, "1146258062", reported_currency="CAD")
    evaluate_chargebacks([later.id, other_note.id, other_label.id], now=NOW)
    for cb in (later, other_note, other_label):
        cb.refresh_from_db()
        assert cb.assessment.recommendation == Recommendation.ACCEPT, cb.amazon_id


def test_a_po_written_messily_is_the_same_po_for_duplicates(account):
    make_po(account)
    first = _charge(account, "1146257861", po_number="po# 2jk3s9vc")
    second = _charge(account, "1146257999", po_number=" 2JK3S9VC ")
    evaluate_chargebacks([first.id, second.id], now=NOW)
    second.refresh_from_db()
    assert second.assessment.recommendation == Recommendation.DISPUTE


def test_a_currency_label_other_than_the_accounts_is_said_and_judged_in_the_accounts_currency(account):
    full_case(account)
    cb = make_chargeback(account, reported_currency="CAD")
    a = evaluate(cb)
    assert a.recommendation == Recommendation.DISPUTE
    assert a.currency == "USD"
    assert "The deduction is labelled CAD but the account works in USD: judged as 240.00 USD." in texts(a)


def test_an_invoice_in_another_currency_cannot_be_compared(account):
    make_po(account)
    make_shipment(account)
    make_invoice(account, currency="EUR")
    a = evaluate(make_chargeback(account))
    assert a.recommendation == Recommendation.NEEDS_EVIDENCE
    assert "Currency mismatch: invoice INV1001 is in EUR, the account in USD" in texts(a)


def test_already_reversed_in_a_remittance_is_accepted(account):
    full_case(account)
    cb = make_chargeback(account)
    make_remittance_line(account, "INV1001SC", "-240.00", payment="PAY-1")
    make_remittance_line(account, "INV1001SCR", "240.00", payment="PAY-2", payment_date=date(2026, 3, 8))
    a = evaluate(cb)
    assert a.recommendation == Recommendation.ACCEPT
    assert a.expected_recovery == 0
    assert "Amazon already gave back 240.00 USD (INV1001SCR paid in PAY-2 on 2026-03-08)" in texts(a)
    assert "Deducted in payment PAY-1" in texts(a)


def test_a_chargeback_reversal_vcbsinvr_reverses_it(account):
    make_po(account)
    make_shipment(account)
    cb = _charge(account, "1146260986", deduction_type="po_on_time", amount="215.99")
    make_remittance_line(account, "1146260986VCBSINV", "-215.99", payment="PAY-1")
    line = make_remittance_line(account, "1146260986VCBSINVR", "215.99", payment="PAY-2")
    type(line).objects.filter(pk=line.pk).update(
        description="CHARGEBACK REVERSAL PO ON-TIME ACCURACY - ISSUE ID 1146260986", chargeback_id="1146260986"
    )
    a = evaluate(cb)
    assert a.recommendation == Recommendation.ACCEPT
    assert a.summary.startswith("Accept: Amazon already paid this back")
    assert "Deducted in payment PAY-1" in texts(a)


def test_a_reversal_named_only_by_issue_id_in_its_text_counts(account):
    make_po(account)
    cb = _charge(account, "1146260986", deduction_type="po_on_time", amount="215.99")
    line = make_remittance_line(account, "CB-CREDIT-77", "100.00")
    type(line).objects.filter(pk=line.pk).update(description="REVERSAL ISSUE ID 1146260986", chargeback_id="1146260986")
    make_shipment(account, delivered="2026-01-08")  # inside the window: invalid
    a = evaluate(cb)
    assert a.recommendation == Recommendation.DISPUTE
    assert a.expected_recovery == Decimal("115.99")


def test_a_partial_reversal_reduces_the_expected_recovery(account):
    full_case(account)
    cb = make_chargeback(account)
    make_remittance_line(account, "INV1001SCR", "100.00")
    a = evaluate(cb)
    assert a.recommendation == Recommendation.DISPUTE
    assert a.expected_recovery == Decimal("140.00")


def test_unmatched_deduction_waits_for_documents_then_matches(account):
    cb = make_chargeback(account, po_number="po# 2jk3s9vc")
    a = evaluate(cb)
    assert a.match_status == MatchStatus.UNMATCHED
    assert a.recommendation == Recommendation.NEEDS_EVIDENCE
    assert "unmatched — waiting for documents" in a.summary
    assert "Unmatched — waiting for documents: invoice INV1001" in texts(a)
    full_case(account)
    ids = chargebacks_for_documents(account.id, po_numbers=["2JK3S9VC"], invoice_numbers=["INV1001"])
    assert ids == [cb.id]
    evaluate_chargebacks(ids, cause="documents arrived", now=NOW)
    cb.refresh_from_db()
    assert cb.assessment.match_status == MatchStatus.MATCHED
    assert cb.recommendation == Recommendation.DISPUTE
    # The deadline moved from the deduction date to the invoice's dates, and history says why.
    assert cb.history.first().history_change_reason.endswith(": documents arrived")


def test_first_evaluation_writes_no_history_row_but_a_change_does(account):
    full_case(account)
    cb = make_chargeback(account)
    before = cb.history.count()
    evaluate(cb)
    assert cb.history.count() == before
    evaluate(cb)  # nothing moved
    assert cb.history.count() == before


def test_account_time_zone_decides_today(org):
    from acorn_portal.models import VendorAccount

    jp = VendorAccount.objects.create(organization=org, name="Acme JP", vendor_codes="ACMEJ", marketplace="JP")
    full_case(jp)
    cb = make_chargeback(jp, currency="JPY", amount="240")
    from datetime import UTC, datetime

    # 15 March 15:30 UTC is already 16 March in Tokyo: the blackout (until the 16th) is over there.
    evaluate_chargebacks([cb.id], now=datetime(2026, 3, 15, 15, 30, tzinfo=UTC))
    cb.refresh_from_db()
    assert cb.recommendation == Recommendation.DISPUTE


def test_deduction_without_a_rule_has_no_deadline(account):
    PolicyRule.objects.filter(organization=account.organization, family=DeductionFamily.SHORTAGE).delete()
    full_case(account)
    cb = make_chargeback(account)
    a = evaluate(cb)
    assert cb.due_on is None
    assert "No policy rule governs this deduction" in texts(a)


def test_query_count_does_not_grow_with_the_batch(account):
    full_case(account)

    def batch(prefix, n):
        return [make_chargeback(account, f"{prefix}{i}", amount=f"{i + 1}.00").id for i in range(n)]

    small, large = batch("S", 2), batch("L", 40)
    with CaptureQueriesContext(connection) as few:
        evaluate_chargebacks(small, now=NOW)
    with CaptureQueriesContext(connection) as many:
        evaluate_chargebacks(large, now=NOW)
    assert len(many) <= len(few) + 2
    assert ChargebackAssessment.objects.count() == 42


def test_assessments_are_scoped_to_the_organization(account, other_account, ops, outsider):
    full_case(account)
    cb = make_chargeback(account)
    evaluate(cb)
    assert ChargebackAssessment.objects.visible_to(ops).count() == 1
    assert ChargebackAssessment.objects.visible_to(outsider).count() == 0
    assert PolicyRule.objects.visible_to(outsider).filter(organization=account.organization).count() == 0


def test_documents_naming_a_deduction_find_it_by_po_invoice_or_its_own_number(account):
    on_po = make_chargeback(account, "D-1", po_number="po# 2jk3s9vc", invoice_number="")
    on_invoice = make_chargeback(account, "INV1001SC", po_number="", invoice_number="INV1001")
    reversed_ = make_chargeback(account, "3325862870", po_number="", invoice_number="")
    make_chargeback(account, "D-4", po_number="OTHER", invoice_number="INV9")

    assert chargebacks_for_documents(account.id, po_numbers=["2JK3S9VC"]) == [on_po.id]
    assert chargebacks_for_documents(account.id, invoice_numbers=["INV1001SCR"]) == [on_invoice.id]
    assert chargebacks_for_documents(account.id, invoice_numbers=["3325862870R"]) == [reversed_.id]
    assert chargebacks_for_documents(account.id, po_numbers=["", " "], invoice_numbers=[""]) == []
    many = [f"N{n}" for n in range(40_000)] + ["INV1001"]  # a large file: more than SQLite's parameter limit
    assert chargebacks_for_documents(account.id, invoice_numbers=many) == [on_invoice.id]
