"""`updated_at` moves with every write the API shows (the verdict's fast path too); `updated_since` on lists;
`chargeback.verdict_changed` announces a moved recommendation or deadline."""

from datetime import timedelta

import pytest

from acorn_portal.models import OutboxEvent
from developer.choices import WebhookEventType
from refunds.models import Chargeback
from refunds.services.matching import evaluate_chargebacks
from tests.refunds.cases import make_chargeback

pytestmark = pytest.mark.django_db

LIST = "/api/v1/chargebacks/"


def test_writing_a_verdict_moves_updated_at_and_announces_it(api, account, frozen_now, time_machine):
    case = make_chargeback(account)
    earlier = frozen_now - timedelta(days=3)
    # As a case looks before its first verdict: no due date, no recommendation, last written days ago.
    Chargeback.objects.filter(pk=case.pk).update(due_on=None, recommendation="", updated_at=earlier)
    OutboxEvent.objects.filter(name="chargeback.verdict_changed").delete()
    assert [row["id"] for row in api.get(LIST, {"updated_since": frozen_now.isoformat()}).json()["results"]] == []

    evaluate_chargebacks([case.pk])

    case.refresh_from_db()
    assert case.due_on is not None and case.recommendation
    assert case.updated_at == frozen_now
    listed = api.get(LIST, {"updated_since": frozen_now.isoformat()}).json()["results"]
    assert [row["id"] for row in listed] == [case.pk]
    event = OutboxEvent.objects.get(name="chargeback.verdict_changed", object_id=str(case.pk))
    assert event.payload["recommendation"] == case.recommendation
    assert event.payload["due_date"] == case.due_on.isoformat()
    assert event.payload["previous"] == {
        "recommendation": None,
        "due_date": None,
        "target_date": None,
        "disputable_from": None,
    }


def test_an_unchanged_verdict_neither_moves_updated_at_nor_announces(account, frozen_now):
    case = make_chargeback(account)
    evaluate_chargebacks([case.pk])
    before = Chargeback.objects.get(pk=case.pk).updated_at
    events = OutboxEvent.objects.filter(name="chargeback.verdict_changed").count()
    evaluate_chargebacks([case.pk])
    assert Chargeback.objects.get(pk=case.pk).updated_at == before
    assert OutboxEvent.objects.filter(name="chargeback.verdict_changed").count() == events


def test_verdict_changes_are_subscribable():
    assert "chargeback.verdict_changed" in WebhookEventType.values


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/chargebacks/",
        "/api/v1/documents/receipts/",
        "/api/v1/webhooks/",
        "/api/v1/ledger/exports/",
        "/api/v1/imports/",
        "/api/v1/sync-runs/",
    ],
)
def test_updated_since_is_validated_on_lists(admin_api, path):
    response = admin_api.get(path, {"updated_since": "yesterday"})
    assert response.status_code == 400, response.content
    assert "updated_since" in response.json()["errors"]
    assert admin_api.get(path, {"updated_since": "2026-01-01T00:00:00Z"}).status_code == 200


def test_updated_since_on_webhook_lists_shows_only_this_organizations_rows(admin_api, org, other_org):
    from tests.developer.webhooks import make_endpoint

    ours, _ = make_endpoint(org, "https://erp.example.com/ours")
    make_endpoint(other_org, "https://erp.example.com/theirs")
    rows = admin_api.get("/api/v1/webhooks/", {"updated_since": "2000-01-01T00:00:00Z"}).json()["results"]
    assert [row["id"] for row in rows] == [ours.pk]
    deliveries = admin_api.get(f"/api/v1/webhooks/{ours.pk}/deliveries/", {"updated_since": "2000-01-01T00:00:00Z"})
    assert deliveries.status_code == 200 and deliveries.json()["results"] == []


def test_the_verdict_names_the_due_date_as_the_case_does_and_amounts_at_the_currencys_precision(api, account):
    case = make_chargeback(account)
    evaluate_chargebacks([case.pk])
    body = api.get(f"{LIST}{case.pk}/").json()
    verdict = body["verdict"]
    assert verdict["due_date"] == body["due_date"] and verdict["target_date"] == verdict["target_on"]
    assert verdict["due_on"] == verdict["due_date"]  # deprecated alias, kept in v1
    amount = verdict["expected_recovery"]["amount"]
    assert len(amount.split(".")[1]) == 2, amount  # USD: cents, not 4 decimals


def _source(account):
    from datasources.models import DataSource

    source = DataSource(account=account, name="feed", kind="data_feed", settings={"base_url": ""})
    source.set_credentials({"api_key": "x"})
    source.save()
    return source


def test_updated_since_on_imports_and_sync_runs_counts_start_and_finish(admin_api, account, other_account, frozen_now):
    from datasources.models import FileImport, SyncRun

    long_ago = frozen_now - timedelta(days=2)
    since = {"updated_since": (frozen_now - timedelta(hours=1)).isoformat()}
    old = FileImport.objects.create(account=account, kind="chargebacks", sha256="a", status="imported")
    finished = FileImport.objects.create(account=account, kind="chargebacks", sha256="b", status="imported")
    new = FileImport.objects.create(account=account, kind="chargebacks", sha256="c", status="queued")
    theirs = FileImport.objects.create(account=other_account, kind="chargebacks", sha256="d", status="queued")
    FileImport.objects.filter(pk__in=[old.pk, finished.pk]).update(created_at=long_ago, finished_at=long_ago)
    FileImport.objects.filter(pk=finished.pk).update(finished_at=frozen_now)
    listed = admin_api.get("/api/v1/imports/", since).json()["results"]
    assert sorted(row["id"] for row in listed) == sorted([finished.pk, new.pk])
    assert theirs.pk not in {row["id"] for row in listed}

    source, other_source = _source(account), _source(other_account)
    ended = SyncRun.objects.create(
        data_source=source, account=account, status="succeeded", started_at=long_ago, finished_at=long_ago
    )
    late = SyncRun.objects.create(
        data_source=source, account=account, status="failed", started_at=long_ago, finished_at=frozen_now
    )
    running = SyncRun.objects.create(data_source=source, account=account, status="running", started_at=frozen_now)
    SyncRun.objects.create(data_source=other_source, account=other_account, status="running", started_at=frozen_now)
    runs = admin_api.get("/api/v1/sync-runs/", since).json()["results"]
    assert sorted(row["id"] for row in runs) == sorted([late.pk, running.pk])
    assert ended.pk not in {row["id"] for row in runs}
