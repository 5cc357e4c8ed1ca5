"""`imports/` (upload, poll), `sync-runs/` (list, trigger, one at a time), `events/` (the outbox feed)."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from acorn_portal.models import OutboxEvent
from acorn_portal.roles import Role
from acorn_portal.services.events import emit_event
from datasources.models import DataSource, FileImport, SyncLease, SyncRun
from refunds.models import Chargeback
from tests.developer.conftest import client_for, make_key

GOOD = "Issue ID,Chargeback Type,Amount,Issue Date,PO #\n1001,ASN Accuracy,25.00,03/04/2025,2JK3S9VC\n"
BAD = GOOD + "1003,Prep,abc,03/05/2025,X\n"


def post_file(api, account, text, name="report.csv", **extra):
    data = {"account": account.pk, "kind": "chargebacks", "file": SimpleUploadedFile(name, text), **extra}
    return api.post("/api/v1/imports/", data, format="multipart")


def imported(api, account, text, capture, **extra) -> dict:
    """Upload, let the task cluster run the import (inline in tests), and poll it once."""
    with capture(execute=True):
        response = post_file(api, account, text, **extra)
    assert response.status_code == 202, response.content
    return api.get(response["Location"]).json()


def test_upload_answers_202_at_once_and_the_task_imports_the_file(api, account, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post_file(api, account, GOOD.encode())
    assert response.status_code == 202, response.content
    body = response.json()
    assert response["Location"] == f"/api/v1/imports/{body['id']}/"
    assert (body["status"], body["progress"], body["created"]) == ("queued", {"rows_done": 0, "rows_total": None}, 0)
    assert FileImport.objects.get(pk=body["id"]).file.read() == GOOD.encode()  # stored before answering
    assert not Chargeback.objects.exists()
    assert len(callbacks) == 1
    callbacks[0]()  # the task cluster's turn (tests run django-q2 synchronously)
    polled = api.get(response["Location"]).json()
    assert polled["status"] == "imported" and polled["counts"]["chargebacks"]["created"] == 1
    assert polled["progress"] == {"rows_done": 1, "rows_total": 1}
    assert Chargeback.objects.filter(account=account, amazon_id="1001").exists()
    assert [row["id"] for row in api.get("/api/v1/imports/").json()["results"]] == [body["id"]]


def test_a_second_run_of_the_task_does_nothing(api, account, django_capture_on_commit_callbacks):
    from datasources.tasks import run_file_import

    body = imported(api, account, GOOD.encode(), django_capture_on_commit_callbacks)
    assert "nothing to do" in run_file_import(body["id"])
    assert Chargeback.objects.count() == 1


def test_progress_while_processing_comes_from_the_task(api, account):
    from django.core.cache import cache

    from datasources.services.imports import _progress_key

    file_import = FileImport.objects.create(account=account, kind="chargebacks", sha256="x", status="processing")
    assert api.get(f"/api/v1/imports/{file_import.pk}/").json()["progress"] == {"rows_done": 0, "rows_total": None}
    cache.set(_progress_key(file_import.pk), {"rows_done": 4000, "rows_total": 10000})
    assert api.get(f"/api/v1/imports/{file_import.pk}/").json()["progress"] == {"rows_done": 4000, "rows_total": 10000}


def test_file_with_bad_rows_reports_them_and_imports_nothing(api, account, django_capture_on_commit_callbacks):
    body = imported(api, account, BAD.encode(), django_capture_on_commit_callbacks)
    assert body["status"] == "failed"
    assert [(e["row"], e["column"], e["value"]) for e in body["errors"]] == [(3, "Amount", "abc")]
    assert not Chargeback.objects.exists()
    partial = imported(api, account, BAD.encode(), django_capture_on_commit_callbacks, partial="true")
    assert (partial["status"], partial["created"], partial["error_count"]) == ("partial", 1, 1)
    assert partial["rows"] == partial["created"] + partial["updated"] + partial["unchanged"] + partial["rejected"]


def test_a_file_that_is_not_a_report_is_refused_before_anything_is_stored(api, account):
    response = post_file(api, account, b"\x00\x01\x02 not a report", name="broken.xlsx")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert "XLSX" in str(response.json()) or "type" in str(response.json()).lower()
    assert not FileImport.objects.exists()


def test_a_report_without_the_columns_it_needs_is_rejected_with_a_reason(
    api, account, django_capture_on_commit_callbacks
):
    body = imported(api, account, b"Colour,Size\nred,XL\n", django_capture_on_commit_callbacks, name="unknown.csv")
    assert body["status"] == "rejected"
    assert body["message"]
    assert FileImport.objects.get(pk=body["id"]).status == "rejected"


def test_upload_needs_account_kind_and_file(api, account):
    response = api.post("/api/v1/imports/", {"account": account.pk}, format="multipart")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"kind", "file"}


def test_role_without_import_right_is_403(org, account):
    _, secret = make_key(org, role=Role.LEGAL)  # legal reads imports but does not upload
    assert post_file(client_for(secret), account, GOOD.encode()).status_code == 403
    assert not FileImport.objects.exists()


def _source(account):
    source = DataSource(account=account, name="feed", kind="data_feed", settings={"base_url": ""})
    source.set_credentials({"api_key": "x"})
    source.save()
    return source


def test_sync_runs_list_and_trigger(org, account, django_capture_on_commit_callbacks):
    source = _source(account)
    run = SyncRun.objects.create(data_source=source, account=account, status="succeeded", started_at=timezone.now())
    _, secret = make_key(org, role=Role.ADMIN)
    api = client_for(secret)
    assert [r["id"] for r in api.get("/api/v1/sync-runs/").json()["results"]] == [run.pk]
    assert api.get(f"/api/v1/sync-runs/{run.pk}/").json()["status"] == "succeeded"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api.post("/api/v1/sync-runs/", {"account": account.pk}, format="json")
    assert response.status_code == 202, response.content
    assert len(callbacks) == 1  # the task is enqueued after commit; it claims the account's lease itself


def test_sync_is_refused_while_one_runs(org, account):
    _source(account)
    SyncLease.objects.create(account=account, owner="worker-1", expires_at=timezone.now() + timedelta(minutes=2))
    _, secret = make_key(org, role=Role.ADMIN)
    response = client_for(secret).post("/api/v1/sync-runs/", {"account": account.pk}, format="json")
    assert response.status_code == 409
    assert response.json()["type"].endswith("/sync-running")


def test_sync_trigger_needs_a_role_that_may_sync(org, account):
    _, secret = make_key(org, role=Role.OPERATIONS)
    response = client_for(secret).post("/api/v1/sync-runs/", {"account": account.pk}, format="json")
    assert response.status_code == 403


def test_event_feed_resumes_after_an_id(api, org, other_org):
    first = emit_event("chargeback.created", organization=org, payload={"n": 1})
    emit_event("chargeback.created", organization=other_org, payload={"n": "theirs"})
    second = emit_event("chargeback.state_changed", organization=org, payload={"n": 2})
    body = api.get("/api/v1/events/", {"limit": 1}).json()
    assert [e["id"] for e in body["results"]] == [first.pk] and body["has_more"] is True
    body = api.get("/api/v1/events/", {"after": body["last_id"]}).json()
    assert [e["id"] for e in body["results"]] == [second.pk] and body["has_more"] is False
    assert body["results"][0]["payload"] == {"n": 2}
    position = body["last_id"]
    assert position == body["results"][0]["position"]
    empty = api.get("/api/v1/events/", {"after": position}).json()
    assert empty == {"results": [], "last_id": position, "has_more": False}
    assert OutboxEvent.objects.count() == 3
    assert api.get("/api/v1/events/", {"after": "x"}).status_code == 400
