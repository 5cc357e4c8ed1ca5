"""`manage.py evaluate --org SLUG`: an organization's open deductions judged again, nobody else's."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from refunds.models import ChargebackAssessment
from tests.refunds.cases import make_chargeback


def test_evaluates_the_organizations_deductions_only(org, account, other_account):
    mine = make_chargeback(account, amazon_id="1146273739", family="operational_chargeback", deduction_type="prep")
    theirs = make_chargeback(other_account, amazon_id="1146273740", family="operational_chargeback")
    out = StringIO()
    call_command("evaluate", "--org", org.slug, stdout=out)
    assert f"{org.slug}: evaluated 1 deductions (needs_evidence 1); 1 changed" in out.getvalue()
    assert ChargebackAssessment.objects.get(chargeback=mine).recommendation == "needs_evidence"
    assert not ChargebackAssessment.objects.filter(chargeback=theirs).exists()


def test_an_unknown_organization_or_foreign_account_is_a_clear_error(org, other_account):
    with pytest.raises(CommandError, match="No organization with slug 'nope'"):
        call_command("evaluate", "--org", "nope")
    with pytest.raises(CommandError, match=f"Vendor account {other_account.pk} is not one of"):
        call_command("evaluate", "--org", org.slug, "--account", str(other_account.pk))
