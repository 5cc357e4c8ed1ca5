"""Task entry points of policy and matching: ids in, a one-line summary out, safe to repeat."""

from datetime import UTC, datetime

import pytest

from refunds.choices import Recommendation
from refunds.services.matching import evaluate_chargebacks
from refunds.tasks import evaluate_chargebacks_task, evaluate_for_documents, refresh_time_sensitive_verdicts
from tests.refunds.matching_data import make_chargeback, make_invoice, make_po, make_shipment


def test_documents_arriving_re_evaluate_the_deductions_that_name_them(account):
    cb = make_chargeback(account)
    assert evaluate_chargebacks_task([cb.id]).startswith("evaluated 1 deductions")
    make_po(account)
    make_shipment(account)
    make_invoice(account)
    summary = evaluate_for_documents(account.id, po_numbers=["2JK3S9VC"], invoice_numbers=["INV1001"])
    assert summary.startswith("evaluated 1 deductions")
    cb.refresh_from_db()
    assert cb.assessment.match_status == "matched"


def test_the_calendar_releases_a_waiting_verdict(account, time_machine):
    make_po(account)
    make_shipment(account)
    make_invoice(account)
    cb = make_chargeback(account)
    evaluate_chargebacks([cb.id], now=datetime(2026, 3, 10, 12, tzinfo=UTC))
    cb.refresh_from_db()
    assert cb.recommendation == Recommendation.WAIT
    time_machine.move_to(datetime(2026, 3, 17, 12, tzinfo=UTC), tick=False)
    assert "evaluated 1 deductions" in refresh_time_sensitive_verdicts()
    cb.refresh_from_db()
    assert cb.recommendation == Recommendation.DISPUTE
    reasons = set(cb.history.values_list("history_change_reason", flat=True))
    assert "recommendation wait → dispute: the calendar moved on" in reasons
    assert "evaluated 0 deductions" in refresh_time_sensitive_verdicts()


# Saving the organization re-judges its open cases at the clock's instant: the one the verdicts were made at.
@pytest.mark.time_machine(datetime(2026, 3, 20, 12, tzinfo=UTC), tick=False)
def test_changing_the_buffer_moves_every_target(account, django_capture_on_commit_callbacks):
    make_po(account)
    make_shipment(account)
    make_invoice(account)
    cb = make_chargeback(account)
    evaluate_chargebacks([cb.id], now=datetime(2026, 3, 20, 12, tzinfo=UTC))
    cb.refresh_from_db()
    assert str(cb.target_on) == "2028-01-03"
    org = account.organization
    org.deadline_buffer_business_days = 10
    with django_capture_on_commit_callbacks(execute=True):
        org.save()
    cb.refresh_from_db()
    assert str(cb.target_on) == "2027-12-27"
    reasons = set(cb.history.values_list("history_change_reason", flat=True))
    assert "target 2028-01-03 → 2027-12-27: buffer 5 → 10 business days" in reasons


def test_ingest_callers_schedule_evaluation_after_commit(account, django_capture_on_commit_callbacks):
    from refunds.services.matching import schedule_evaluation, schedule_for_documents

    cb = make_chargeback(account)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        schedule_evaluation([cb.id, cb.id])
        schedule_for_documents(account.id, po_numbers=["2JK3S9VC"])
        schedule_for_documents(account.id)  # nothing named: nothing scheduled
    assert len(callbacks) == 2
    cb.refresh_from_db()
    assert cb.assessment.match_status == "unmatched"
