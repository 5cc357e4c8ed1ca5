"""The client's import upload is a job: it polls the import the server queued until it is finished."""

import io

import pytest
from acorn_client import Client

from tests.clients.servers import Reply, ScriptedServer


def import_body(status, **extra):
    return {"id": 7, "account": 1, "kind": "chargebacks", "status": status, "errors": [], **extra}


def test_upload_polls_the_queued_import_until_it_is_finished():
    replies = [
        Reply(202, import_body("queued", progress={"rows_done": 0, "rows_total": None})),
        Reply(200, import_body("processing", progress={"rows_done": 500, "rows_total": 1000})),
        Reply(200, import_body("imported", rows=1000, created=1000, progress={"rows_done": 1000, "rows_total": 1000})),
    ]
    waits = []
    with ScriptedServer(replies) as server:
        acorn = Client(server.url + "/api/v1/", "acorn_test_key", sleep=waits.append)
        done = acorn.imports.upload(account=1, kind="chargebacks", file=io.BytesIO(b"csv"), poll_every=0.5)
    assert (done.status, done.created, done.finished) == ("imported", 1000, True)
    assert [(r.method, r.path) for r in server.received] == [
        ("POST", "/api/v1/imports/"),
        ("GET", "/api/v1/imports/7/"),
        ("GET", "/api/v1/imports/7/"),
    ]
    assert waits == [0.5]


def test_upload_without_wait_returns_the_queued_job_and_wait_for_gives_up_after_its_timeout():
    replies = [Reply(202, import_body("queued")), Reply(200, import_body("processing"))]
    with ScriptedServer(replies) as server:
        acorn = Client(server.url + "/api/v1/", "acorn_test_key", sleep=lambda seconds: None)
        queued = acorn.imports.upload(account=1, kind="chargebacks", file=io.BytesIO(b"csv"), wait=False)
        assert (queued.status, queued.finished) == ("queued", False)
        with pytest.raises(TimeoutError, match="still processing"):
            acorn.imports.wait_for(queued.id, timeout=0)
