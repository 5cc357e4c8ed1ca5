"""Sync over real HTTP against the simulator: exact, idempotent, resumable, fault tolerant, one run per account."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from datasources.connectors.base import DocumentKind
from datasources.models import DataSource, SyncCheckpoint, SyncLease, SyncRun, SyncStatus
from datasources.services import sync
from refunds.models import Chargeback, PurchaseOrder
from refunds.services import ingest
from refunds.services.records import ChargebackRecord
from simulator.server import serve
from tests.datasources.simtools import assert_matches_simulator, make_sources, sim_options, sync_until_done

pytestmark = pytest.mark.django_db


def test_sync_brings_every_document_and_a_second_run_changes_nothing(account):
    with serve(**sim_options()) as sim:
        make_sources(account, sim.base_url)
        first = sync_until_done(account)
        assert_matches_simulator(account, sim.simulator.data)
        second = sync_until_done(account)

    assert [run.status for run in first] == [SyncStatus.SUCCEEDED] * 2
    assert [run.data_source.kind for run in first] == ["spapi_vendor", "data_feed"], "documents before deductions"
    created = {kind: sum(run.counts.get(kind, {}).get("created", 0) for run in first) for kind in DocumentKind.ALL}
    data = sim.simulator.data
    assert created == {kind: len(data.records("US", kind)) for kind in DocumentKind.ALL}
    for run in second:
        assert run.total("created") == run.total("updated") == run.total("rejected") == 0
        assert run.total("unchanged") > 0
    (spapi_run,) = [run for run in first if run.data_source.kind == "spapi_vendor"]
    ids = [entry["request_id"] for entry in spapi_run.request_log]
    assert ids and all(ids), "every call's x-amzn-RequestId is in the run log"
    assert {entry["operation"] for entry in spapi_run.request_log} >= {
        "lwa_token",
        "getPurchaseOrders",
        "getPurchaseOrdersStatus",
        "GetShipmentDetails",
    }
    assert sim.simulator.calls["/auth/o2/token"] == 1, "the access token is cached until it expires"
    assert DataSource.objects.filter(account=account, last_success_at__isnull=False).count() == 2


def test_received_quantities_come_from_the_po_status(account):
    with serve(**sim_options()) as sim:
        make_sources(account, sim.base_url)
        sync_until_done(account)
    received = PurchaseOrder.objects.filter(account=account, items__received_quantity__isnull=False)
    assert received.exists()
    assert PurchaseOrder.objects.filter(account=account, items__last_received_at__isnull=False).exists()


@pytest.mark.parametrize(
    "faults",
    [
        "429=0.5",  # a storm of throttling
        "5xx=0.3",
        "timeout=0.05,hang=0.6",
        "reset=0.2",
        "malformed=0.2",
        "truncated=0.2",
        "duplicates=0.5",
        "429=0.2,5xx=0.1,latency=2ms,reset=0.05,malformed=0.02,truncated=0.02,duplicates=0.1",
    ],
)
def test_sync_under_faults_ends_identical_to_the_simulator(account, faults):
    with serve(**sim_options(faults=faults)) as sim:
        make_sources(account, sim.base_url)
        runs = sync_until_done(account)
        assert_matches_simulator(account, sim.simulator.data)
    log = [entry for run in runs for entry in run.request_log]
    if "duplicates" not in faults or "," in faults:
        assert any(entry["error"] or (entry["status"] or 0) >= 400 for entry in log), "faults really happened"


def test_a_run_that_gives_up_fails_with_request_ids_and_the_next_resumes(account):
    with serve(**sim_options(faults="5xx=0.6")) as sim:
        spapi, feed = make_sources(account, sim.base_url, max_attempts=2)
        runs = sync.sync_account(account.pk)
        failed = [run for run in runs if run.status == SyncStatus.FAILED]
        assert failed, "with two attempts against 60% errors some run gives up"
        assert any(error["request_id"] for run in failed for error in run.errors)
        assert SyncCheckpoint.objects.filter(data_source__account=account).exclude(position={}).exists()
        for source in (spapi, feed):  # patient again: the next runs resume from the checkpoints
            DataSource.objects.filter(pk=source.pk).update(settings={**source.settings, "max_attempts": 12})
        sync_until_done(account)
        assert_matches_simulator(account, sim.simulator.data)
    created = sum(run.total("created") for run in SyncRun.objects.filter(account=account))
    data = sim.simulator.data
    assert created == sum(len(data.records("US", kind)) for kind in DocumentKind.ALL), "nothing created twice"


def test_only_one_run_per_account_at_a_time(account):
    assert sync.claim_account(account.pk, "worker-a")
    assert not sync.claim_account(account.pk, "worker-b")
    with pytest.raises(sync.AccountBusyError):
        sync.sync_account(account.pk, owner="worker-c")
    SyncLease.objects.filter(account=account).update(expires_at=timezone.now() - timezone.timedelta(seconds=1))
    assert sync.claim_account(account.pk, "worker-b"), "an expired lease may be taken over"
    with pytest.raises(sync.LeaseLostError):
        sync.renew_lease(account.pk, "worker-a")
    sync.release_account(account.pk, "worker-b")
    assert sync.claim_account(account.pk, "worker-c")


def test_new_and_changed_chargebacks_are_handed_onward(account, monkeypatch):
    handed = []
    monkeypatch.setattr(sync, "hand_onward", lambda ids, **kwargs: handed.extend(ids))
    with serve(**sim_options()) as sim:
        make_sources(account, sim.base_url)
        sync_until_done(account)
    assert sorted(handed) == sorted(Chargeback.objects.filter(account=account).values_list("id", flat=True))


def test_hand_onward_gives_synced_deductions_a_verdict_and_deadline(account):
    result = ingest.upsert_chargebacks(
        account=account,
        records=[
            ChargebackRecord(
                amazon_id="SYNC-1",
                family="shortage_claim",
                deduction_type="shortage",
                amount=Decimal("120.00"),
                currency="USD",
                issue_date=date(2026, 10, 1),
                po_number="NOSUCHPO",
            )
        ],
    )
    sync.hand_onward(result.created_ids)
    case = Chargeback.objects.get(amazon_id="SYNC-1")
    assert case.recommendation  # judged: waiting for documents, needs evidence or dispute
    assert case.due_on is not None
    assert case.assessment.evaluated_at is not None


def test_stale_sources(account):
    now = timezone.now()
    fresh = DataSource.objects.create(account=account, name="fresh", kind="data_feed", last_success_at=now)
    old = DataSource.objects.create(
        account=account, name="old", kind="data_feed", last_success_at=now - timezone.timedelta(hours=25)
    )
    never = DataSource.objects.create(account=account, name="never", kind="data_feed")
    DataSource.objects.create(account=account, name="off", kind="data_feed", enabled=False)
    assert set(DataSource.objects.stale(now)) == {old, never}
    assert old.is_stale(now) and not fresh.is_stale(now)


def test_bad_credentials_fail_the_run_permanently(account):
    with serve(**sim_options()) as sim:
        spapi, feed = make_sources(account, sim.base_url)
        spapi.set_credentials({"client_id": "cid", "client_secret": "x", "refresh_token": "wrong"})
        spapi.save()
        feed.delete()
        (run,) = sync.sync_account(account.pk)
        ok, message = sync.test_connection(spapi)
    assert run.status == SyncStatus.FAILED
    assert "invalid_grant" in run.errors[-1]["message"]
    assert "wrong" not in str(run.errors) + str(run.request_log), "secrets never reach the run log"
    assert not ok and "HTTP 400" in message


def test_documents_synced_later_match_the_deductions_waiting_for_them(account, django_capture_on_commit_callbacks):
    from refunds.choices import MatchStatus
    from refunds.models import ChargebackAssessment

    with serve(**sim_options()) as sim:
        spapi, feed = make_sources(account, sim.base_url)
        # First only the deductions: no POs or ASNs (SP-API off), no invoices or payments (feed narrowed).
        DataSource.objects.filter(pk=spapi.pk).update(enabled=False)
        DataSource.objects.filter(pk=feed.pk).update(settings={**feed.settings, "kinds_enabled": ["chargebacks"]})
        sync_until_done(account)
        assessments = ChargebackAssessment.objects.filter(chargeback__account=account)
        waiting = {a.chargeback_id: a for a in assessments.filter(match_status=MatchStatus.UNMATCHED)}
        assert waiting
        for a in waiting.values():
            assert [c["text"] for c in a.checks if c["code"] == "match.waiting"][0].startswith(
                "Unmatched — waiting for documents"
            )

        DataSource.objects.filter(pk=spapi.pk).update(enabled=True)
        DataSource.objects.filter(pk=feed.pk).update(settings=feed.settings)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            sync_until_done(account)

    assert callbacks, "document pages scheduled re-evaluation"
    after = {a.chargeback_id: a for a in assessments.filter(chargeback_id__in=waiting)}
    matched = [pk for pk, a in after.items() if a.match_status != MatchStatus.UNMATCHED]
    assert len(matched) > len(waiting) / 2, "most deductions found their PO or invoice"
    for pk in matched:
        before, now = waiting[pk], after[pk]
        assert now.evaluated_at > before.evaluated_at
        assert (now.summary, now.checks) != (before.summary, before.checks)
        assert now.matched["purchase_order"] or now.matched["invoice"]
    moved = Chargeback.history.filter(id__in=matched, history_change_reason__endswith=": documents arrived")
    assert moved.exists(), "changed deadlines and recommendations are in the cases' history"


def test_a_sync_that_brought_data_routes_and_alerts_at_once(account, monkeypatch, django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr(sync, "async_task", lambda func, *args: queued.append(func))
    with serve(**sim_options()) as sim:
        make_sources(account, sim.base_url)
        with django_capture_on_commit_callbacks(execute=True):
            sync.sync_account(account.pk)
    assert "refunds.tasks.after_new_data" in queued, "not left to the 15-minute schedules"


def test_after_new_data_routes_then_runs_the_alert_pass(db):
    from refunds.tasks import after_new_data

    assert after_new_data().startswith("assigned 0; ")
