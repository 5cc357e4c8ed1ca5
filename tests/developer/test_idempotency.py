"""Idempotency-Key on POST: a repeat replays the first response; a different body is 422; in flight is 409."""

import hashlib
import threading

import pytest
from django.db import connection, connections

from acorn_portal.models import OutboxEvent
from developer.models import IdempotencyRecord
from tests.developer.conftest import client_for, make_key
from tests.refunds.cases import make_chargeback


def _start_review(api, case, key="k-1", body=None):
    return api.post(
        f"/api/v1/chargebacks/{case.pk}/transitions/start_review/",
        body or {"note": "from the ERP"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def _events(case):
    return OutboxEvent.objects.filter(name="chargeback.state_changed", object_id=str(case.pk)).count()


def test_repeat_returns_the_first_response_without_a_second_effect(api, account):
    case = make_chargeback(account)
    first = _start_review(api, case)
    assert first.status_code == 200, first.content
    second = _start_review(api, case)
    assert second.status_code == 200
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert _events(case) == 1
    # Without the header the same call runs again, and the workflow refuses it.
    again = api.post(f"/api/v1/chargebacks/{case.pk}/transitions/start_review/", {"note": "x"}, format="json")
    assert again.status_code == 409


def test_error_responses_are_replayed_too(api, account):
    case = make_chargeback(account)
    first = api.post(
        f"/api/v1/chargebacks/{case.pk}/transitions/accept_deduction/", {}, format="json", HTTP_IDEMPOTENCY_KEY="e"
    )
    assert first.status_code == 400
    second = api.post(
        f"/api/v1/chargebacks/{case.pk}/transitions/accept_deduction/", {}, format="json", HTTP_IDEMPOTENCY_KEY="e"
    )
    assert second.status_code == 400 and second["Idempotent-Replayed"] == "true"


def test_same_key_with_a_different_body_is_422(api, account):
    case = make_chargeback(account)
    assert _start_review(api, case, body={"note": "one"}).status_code == 200
    response = _start_review(api, case, body={"note": "two"})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("/idempotency-key-reused")


def test_keys_are_per_api_key_and_path(org, account):
    case, other_case = make_chargeback(account), make_chargeback(account)
    _, first = make_key(org, name="one")
    _, second = make_key(org, name="two")
    assert _start_review(client_for(first), case, key="same").status_code == 200
    assert _start_review(client_for(first), other_case, key="same").status_code == 200  # another path
    # Another API key's "same" is its own: it runs (and the workflow refuses the second review).
    response = _start_review(client_for(second), case, key="same")
    assert response.status_code == 409 and "Idempotent-Replayed" not in response


def test_a_request_still_in_flight_is_409_and_does_not_run(api, api_key, account):
    case = make_chargeback(account)
    key, _ = api_key
    path = f"/api/v1/chargebacks/{case.pk}/transitions/start_review/"
    IdempotencyRecord.objects.create(
        api_key=key, key="busy", method="POST", path=path, body_sha256=hashlib.sha256(b'{"note":"x"}').hexdigest()
    )
    response = api.post(path, {"note": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="busy")
    assert response.status_code == 409
    assert response.json()["type"].endswith("/request-in-progress")
    case.refresh_from_db()
    assert case.state == "new"


def test_server_errors_free_the_key(api, api_key, account, monkeypatch):
    from developer.api import chargebacks

    case = make_chargeback(account)

    def boom(*, chargeback, actor, note=""):
        raise RuntimeError("database went away")

    monkeypatch.setitem(chargebacks.workflow.SERVICES, "start_review", boom)
    failed = _start_review(api, case, key="retry-me")
    assert failed.status_code == 500 and failed["Content-Type"] == "application/problem+json"
    assert not IdempotencyRecord.objects.filter(key="retry-me").exists()
    monkeypatch.undo()
    assert _start_review(api, case, key="retry-me").status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_repeats_run_once(org, account):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has a single writer, so two requests cannot race")
    case = make_chargeback(account)
    _, secret = make_key(org)
    barrier = threading.Barrier(4)
    statuses = []

    def call():
        try:
            barrier.wait(timeout=10)
            statuses.append(_start_review(client_for(secret), case, key="race").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(statuses) == 4
    assert statuses.count(200) >= 1
    assert set(statuses) <= {200, 409}
    assert _events(case) == 1
    # Whichever lost the race can now read the stored response.
    assert _start_review(client_for(secret), case, key="race").status_code == 200


def test_multipart_upload_with_a_key_is_stored_once(api, account):
    from refunds.models import Evidence
    from tests.refunds.cases import PDF_BYTES, png_bytes, upload

    case = make_chargeback(account)
    url = f"/api/v1/chargebacks/{case.pk}/evidence/"

    def send(data):
        return api.post(
            url, {"kind": "pod", "file": upload(data, "pod.pdf")}, format="multipart", HTTP_IDEMPOTENCY_KEY="u1"
        )

    first = send(PDF_BYTES)
    assert first.status_code == 201, first.content
    assert send(PDF_BYTES).content == first.content
    assert Evidence.objects.filter(chargeback=case).count() == 1
    assert send(png_bytes()).status_code == 422  # same key, another file


def test_records_older_than_a_day_are_purged(api_key):
    from datetime import timedelta

    from django.utils import timezone
    from django_q.models import Schedule

    from developer.tasks import purge_idempotency_records

    key, _ = api_key
    old = IdempotencyRecord.objects.create(api_key=key, key="old", method="POST", path="/x", body_sha256="0")
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    IdempotencyRecord.objects.create(api_key=key, key="new", method="POST", path="/x", body_sha256="0")
    assert purge_idempotency_records().startswith("1 idempotency record")
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    assert Schedule.objects.filter(func="developer.tasks.purge_idempotency_records").exists()
