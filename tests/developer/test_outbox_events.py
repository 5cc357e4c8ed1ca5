"""The events webhooks carry are written to the outbox with the change, in the same transaction."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction

from acorn_portal.models import OutboxEvent
from datasources.models import DataSource, SyncStatus
from datasources.services import sync
from datasources.services.imports import import_report_file
from refunds.choices import ChargebackState
from refunds.models import Chargeback
from refunds.services import workflow
from refunds.services.ingest import upsert_chargebacks
from refunds.services.records import ChargebackRecord
from tests.datasources.test_imports import BAD, GOOD, upload
from tests.refunds.cases import make_chargeback, reload, walk

pytestmark = pytest.mark.django_db


def record(amazon_id, amount="42.00", **extra):
    values = {
        "amazon_id": amazon_id,
        "family": "operational_chargeback",
        "deduction_type": "asn_accuracy",
        "amount": Decimal(amount),
        "currency": "USD",
        "issue_date": date(2026, 9, 20),
        "po_number": "2JK3S9VC",
    }
    return ChargebackRecord(**{**values, **extra})


def created_events():
    return OutboxEvent.objects.filter(name="chargeback.created").order_by("id")


def paths():
    """The ORM path everywhere, and the COPY fast path where it exists (PostgreSQL)."""
    return [False, True] if connection.vendor == "postgresql" else [False]


@pytest.mark.parametrize("fast", [False, True])
def test_sync_announces_each_new_chargeback_once(account, fast):
    if fast and connection.vendor != "postgresql":
        pytest.skip("the fast path is PostgreSQL's")
    upsert_chargebacks(account=account, records=[record("A1"), record("A2", amount="7.5")], fast_path=fast)
    events = list(created_events())
    by_id = {e.object_id: e for e in events}
    assert set(by_id) == {str(pk) for pk in Chargeback.objects.values_list("pk", flat=True)}
    a2 = by_id[str(Chargeback.objects.get(amazon_id="A2").pk)]
    assert a2.organization_id == account.organization_id and a2.object_type == "refunds.chargeback"
    assert a2.payload == {
        "amazon_id": "A2",
        "family": "operational_chargeback",
        "deduction_type": "asn_accuracy",
        "amount": "7.50",
        "currency": "USD",
        "issue_date": "2026-09-20",
        "po_number": "2JK3S9VC",
        "asin": "",
        "invoice_number": "",
        "account_id": account.pk,
        "marketplace": "US",
        "state": "new",
    }
    # A re-sync (even with a changed fact) creates nothing, so announces nothing.
    upsert_chargebacks(account=account, records=[record("A1", amount="43.00"), record("A2", amount="7.5")])
    assert created_events().count() == 2


def test_both_paths_write_the_same_payloads(account, other_account):
    if connection.vendor != "postgresql":
        pytest.skip("the fast path is PostgreSQL's")
    upsert_chargebacks(account=account, records=[record("P1"), record("P2")], fast_path=False)
    upsert_chargebacks(account=other_account, records=[record("P1"), record("P2")], fast_path=True)
    by_org = {}
    for e in created_events():
        payload = {**e.payload, "account_id": None}
        by_org.setdefault(e.organization_id, []).append(payload)
    orm, fast = by_org[account.organization_id], by_org[other_account.organization_id]
    assert sorted(orm, key=str) == sorted(fast, key=str)


def test_announcement_rolls_back_with_the_change(account):
    with pytest.raises(RuntimeError), transaction.atomic():
        upsert_chargebacks(account=account, records=[record("R1")])
        assert created_events().count() == 1
        raise RuntimeError("the page failed")
    assert not created_events().exists() and not Chargeback.objects.exists()


def test_bulk_announcement_is_a_bounded_number_of_queries(account):
    from django.test.utils import CaptureQueriesContext

    records = [record(f"B{i}") for i in range(600)]
    with CaptureQueriesContext(connection) as queries:
        upsert_chargebacks(account=account, records=records, batch_size=600)
    assert created_events().count() == 600
    outbox = 'INSERT INTO "acorn_portal_outboxevent"'
    # On PostgreSQL the insert is a part of the statement that writes the rows (a CTE after `WITH`).
    inserts = [q["sql"] for q in queries.captured_queries if outbox in q["sql"]]
    # Bulk: one statement per database batch (SQLite's variable limit splits it), never one per row.
    assert 1 <= len(inserts) <= (1 if connection.vendor == "postgresql" else 6)


def test_failed_import_announces_nothing_created_but_its_completion(account, ops):
    done = import_report_file(account=account, kind="chargebacks", file=upload(BAD), user=ops)
    assert done.status == "failed"
    assert not created_events().exists()
    completed = OutboxEvent.objects.get(name="import.completed")
    assert completed.payload["status"] == "failed" and completed.payload["import_id"] == done.pk


def test_import_completed_carries_the_counts(account, ops):
    done = import_report_file(account=account, kind="chargebacks", file=upload(GOOD), user=ops)
    completed = OutboxEvent.objects.get(name="import.completed")
    assert completed.organization_id == account.organization_id
    assert completed.object_type == "datasources.fileimport" and completed.object_id == str(done.pk)
    assert completed.payload | {"message": ""} == {
        "import_id": done.pk,
        "account_id": account.pk,
        "kind": "chargebacks",
        "status": "imported",
        "message": "",
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "error_count": 0,
    }
    assert created_events().count() == 2


def test_failed_sync_run_announces_sync_failed(account):
    source = DataSource(account=account, name="Feed", kind="data_feed", settings={"base_url": "http://127.0.0.1:9"})
    source.set_credentials({"api_key": "k"})
    source.save()
    (run,) = sync.sync_account(account.pk)
    assert run.status == SyncStatus.FAILED
    failed = OutboxEvent.objects.get(name="sync.failed")
    assert failed.organization_id == account.organization_id and failed.object_id == str(run.pk)
    assert failed.payload["sync_run_id"] == run.pk and failed.payload["data_source"] == "Feed"
    assert failed.payload["error"] == run.errors[-1]["message"]


def test_recovery_is_announced_with_the_state_change(account, ops, manager, finance):
    case = walk(make_chargeback(account), ChargebackState.DISPUTED, ops=ops, manager=manager)
    case = workflow.record_amazon_approval(chargeback=case, actor=finance)
    before = OutboxEvent.objects.count()
    workflow.record_recovery(chargeback=reload(case), actor=finance, amount="100.00", reference="PAY-1")
    names = list(OutboxEvent.objects.filter(id__gt=0).order_by("id").values_list("name", flat=True)[before:])
    assert names == ["chargeback.state_changed", "chargeback.recovered"]
    recovered = OutboxEvent.objects.get(name="chargeback.recovered")
    assert recovered.payload["amount"] == "100.00" and recovered.payload["currency"] == "USD"
