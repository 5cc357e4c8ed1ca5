"""A deduction that arrives after Amazon's last day to dispute it is closed at the door, with its reason."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from datasources.services.imports import import_report_file
from refunds.choices import ChargebackState
from refunds.models import Chargeback
from refunds.services.queues import QUEUES

pytestmark = pytest.mark.django_db


def import_chargebacks(account, user, rows):
    text = "Issue ID,Chargeback Type,Amount,Issue Date,PO #\n" + "".join(
        f"{amazon_id},ASN Accuracy,25.00,{issued:%m/%d/%Y},2JK3S9VC\n" for amazon_id, issued in rows
    )
    upload = SimpleUploadedFile("defects.csv", text.encode())
    return import_report_file(account=account, kind="chargebacks", file=upload, user=user)


def test_a_deduction_past_its_last_day_is_expired_on_import_and_kept_out_of_the_queues(
    account, ops, frozen_now, django_capture_on_commit_callbacks
):
    today = frozen_now.date()
    with django_capture_on_commit_callbacks(execute=True):
        import_chargebacks(account, ops, [("OLD1", today - timedelta(days=400)), ("NEW1", today - timedelta(days=2))])

    old, new = Chargeback.objects.get(amazon_id="OLD1"), Chargeback.objects.get(amazon_id="NEW1")
    assert old.due_on < today <= new.due_on
    assert old.state == ChargebackState.EXPIRED
    assert "arrived after Amazon's last day to dispute" in old.history.first().history_change_reason
    assert new.state == ChargebackState.NEW
    cases = Chargeback.objects.all()
    for key in ("due7", "overdue", "decided"):
        assert old not in QUEUES[key].cases(cases, ops)


def test_a_case_that_passes_its_last_day_later_is_left_to_the_sweep(account, ops, frozen_now, time_machine):
    from refunds.services.matching import evaluate_chargebacks

    today = frozen_now.date()
    case = Chargeback.objects.create(
        account=account,
        amazon_id="LATE",
        family="operational_chargeback",
        deduction_type="asn_accuracy",
        amount=5,
        currency=account.currency,
        issue_date=today - timedelta(days=2),
    )
    evaluate_chargebacks([case.pk])
    case.refresh_from_db()
    time_machine.move_to(frozen_now + timedelta(days=(case.due_on - today).days + 5), tick=False)
    evaluate_chargebacks([case.pk])  # a re-evaluation after the window closed is no arrival
    assert Chargeback.objects.get(pk=case.pk).state == ChargebackState.NEW
