"""`verify_source`: re-fetch a sample and report differences with what is stored."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from refunds.models import Chargeback, PurchaseOrderItem
from simulator.server import serve
from tests.datasources.simtools import make_sources, sim_options, sync_until_done

pytestmark = pytest.mark.django_db


def test_verify_source_finds_no_difference_after_sync_and_reports_tampering(account):
    with serve(**sim_options()) as sim:
        make_sources(account, sim.base_url)
        sync_until_done(account)
        out = StringIO()
        call_command("verify_source", "--account", str(account.pk), "--sample", "5", stdout=out)
        assert "25 records checked: stored data matches the source" in out.getvalue()

        Chargeback.objects.filter(account=account).update(amazon_status="Tampered")
        PurchaseOrderItem.objects.filter(purchase_order__account=account).update(received_quantity=999)
        out = StringIO()
        with pytest.raises(CommandError, match="difference"):
            call_command("verify_source", "--account", account.name, "--sample", "3", stdout=out)
    report = out.getvalue()
    assert "amazon_status: expected" in report and "'Tampered'" in report
    assert "received_quantity" in report


def test_verify_source_needs_a_known_account(db):
    with pytest.raises(CommandError, match="No single vendor account"):
        call_command("verify_source", "--account", "nobody", "--sample", "1")
