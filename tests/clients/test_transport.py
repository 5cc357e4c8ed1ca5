"""The client's HTTP core against small real HTTP servers on 127.0.0.1: retries, backoff, Retry-After,
idempotency keys, problem errors, connection failures. No Django, no database: ACORN's own answers
are covered by the live-server tests beside this file."""

import socket
import time
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests
from acorn_client import Client
from acorn_client._transport import Transport, parse_retry_after
from acorn_client.errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PayloadTooLargeError,
    RateLimitError,
    ServerError,
    TransportError,
)

from tests.clients.servers import Reply, ScriptedServer

PROBLEM = {"Content-Type": "application/problem+json"}


class Sleeps:
    """Records each wait the client asks for, and really waits (the waits here are kept short)."""

    def __init__(self):
        self.calls = []

    def __call__(self, seconds):
        self.calls.append(seconds)
        time.sleep(min(seconds, 2))


def transport(url, **kwargs):
    sleeps = kwargs.pop("sleep", Sleeps())
    options = {"max_retries": 3, "backoff_factor": 0.02, "timeout": 5, "sleep": sleeps, **kwargs}
    return Transport(url + "/api/v1/", "acorn_test_key", **options), sleeps


def test_transport_retries_5xx_with_growing_jittered_backoff():
    replies = [Reply(503), Reply(502, "<html>bad gateway</html>", {"Content-Type": "text/html"}), Reply(500)]
    with ScriptedServer([*replies, Reply(200, {"ok": True})]) as server:
        http, sleeps = transport(server.url, backoff_factor=0.04)
        assert http.get_json("things/") == {"ok": True}
    assert len(server.received) == 4
    # Equal jitter: attempt n waits between half and all of factor * 2**n.
    for attempt, waited in enumerate(sleeps.calls):
        ceiling = 0.04 * 2**attempt
        assert ceiling / 2 <= waited <= ceiling
    assert all(r.headers["Authorization"] == "Bearer acorn_test_key" for r in server.received)


def test_transport_gives_up_after_max_retries_with_the_last_problem():
    body = {"title": "Server error", "status": 500, "detail": "boom", "request_id": "rid-500"}
    with ScriptedServer([], default=Reply(500, body, PROBLEM)) as server:
        http, sleeps = transport(server.url, max_retries=2)
        with pytest.raises(ServerError) as caught:
            http.get_json("things/")
    assert len(server.received) == 3
    assert len(sleeps.calls) == 2
    assert caught.value.status == 500
    assert caught.value.detail == "boom"
    assert caught.value.request_id == "rid-500"


def test_transport_honours_retry_after_seconds_on_429():
    throttled = Reply(429, {"title": "Too many requests"}, {**PROBLEM, "Retry-After": "1"})
    with ScriptedServer([throttled, Reply(200, [])]) as srv:
        http, sleeps = transport(srv.url)
        started = time.monotonic()
        assert http.get_json("things/") == []
        elapsed = time.monotonic() - started
    assert sleeps.calls == [1.0]
    assert elapsed >= 1.0
    assert len(srv.received) == 2


def test_transport_honours_retry_after_as_http_date():
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
    with ScriptedServer([Reply(503, "", {"Retry-After": when}), Reply(200, {"ok": 1})]) as server:
        http, sleeps = transport(server.url)
        assert http.get_json("things/") == {"ok": 1}
    assert len(sleeps.calls) == 1
    assert 0.5 <= sleeps.calls[0] <= 2.0  # whole seconds in the date, minus the time already gone


def test_transport_refuses_to_wait_longer_than_max_retry_after():
    throttled = Reply(429, {"title": "Too many requests", "status": 429}, {**PROBLEM, "Retry-After": "3600"})
    with ScriptedServer([throttled]) as s:
        http, sleeps = transport(s.url, max_retry_after=60)
        with pytest.raises(RateLimitError) as caught:
            http.get_json("things/")
    assert sleeps.calls == []
    assert caught.value.retry_after == 3600
    assert len(s.received) == 1


def test_transport_sends_one_idempotency_key_per_post_and_keeps_it_across_retries():
    replies = [Reply(503), Reply(200, {"id": 1}), Reply(200, {"id": 2})]
    with ScriptedServer(replies) as server:
        http, _ = transport(server.url)
        http.post_json("things/", json={"a": 1})
        http.post_json("things/", json={"a": 2})
    first, retry, second = server.received
    assert first.headers["Idempotency-Key"] == retry.headers["Idempotency-Key"]
    assert first.body == retry.body == b'{"a": 1}'
    assert second.headers["Idempotency-Key"] != first.headers["Idempotency-Key"]
    for request in server.received:
        assert uuid.UUID(request.headers["Idempotency-Key"]).version == 4


def test_transport_uses_the_callers_idempotency_key():
    with ScriptedServer([Reply(200, {})]) as server:
        http, _ = transport(server.url)
        http.post_json("things/", json={}, idempotency_key="order-42")
    assert server.received[0].headers["Idempotency-Key"] == "order-42"


def test_transport_does_not_retry_client_errors_and_raises_typed_problems():
    validation = {
        "type": "https://acorn.dev/problems/validation-error",
        "title": "Invalid request",
        "status": 400,
        "detail": "amount_min: Enter a number.",
        "instance": "/api/v1/things/?amount_min=x",
        "request_id": "abc123",
        "errors": {"amount_min": ["Enter a number."]},
    }
    replies = [
        Reply(400, validation, PROBLEM),
        Reply(401, {"title": "Not authenticated", "status": 401, "detail": "This key was revoked."}, PROBLEM),
        Reply(404, "", {"X-Request-ID": "from-header", "Content-Type": "text/plain"}),
    ]
    with ScriptedServer(replies) as server:
        http, sleeps = transport(server.url)
        with pytest.raises(BadRequestError) as bad:
            http.get_json("things/", params={"amount_min": "x"})
        with pytest.raises(AuthenticationError) as unauthenticated:
            http.get_json("things/")
        with pytest.raises(NotFoundError) as missing:
            http.get_json("things/9/")
    assert len(server.received) == 3 and sleeps.calls == []
    assert bad.value.errors == {"amount_min": ["Enter a number."]}
    assert bad.value.type.endswith("validation-error")
    assert bad.value.request_id == "abc123"
    assert "amount_min" in str(bad.value) and "abc123" in str(bad.value)
    assert unauthenticated.value.detail == "This key was revoked."
    assert missing.value.request_id == "from-header"
    assert missing.value.status == 404


def test_transport_never_retries_a_413_even_for_a_keyed_post():
    too_large = {"title": "Payload too large", "status": 413, "detail": "Send less.", "max_bytes": 16777216}
    with ScriptedServer([Reply(413, too_large, PROBLEM), Reply(200, {"ok": True})]) as server:
        http, sleeps = transport(server.url)
        with pytest.raises(PayloadTooLargeError) as refused:
            http.post_json("documents/shipments/bulk/", json={"items": []})
    assert len(server.received) == 1 and sleeps.calls == []
    assert refused.value.body["max_bytes"] == 16777216


def test_transport_does_not_retry_a_write_without_an_idempotency_key():
    with ScriptedServer([Reply(503), Reply(200, {"ok": True})]) as server:
        http, sleeps = transport(server.url)
        with pytest.raises(ServerError):
            http.request("PATCH", "things/1/", json={"name": "x"})
    assert len(server.received) == 1 and sleeps.calls == []


def test_transport_retries_dropped_connections_and_read_timeouts():
    with ScriptedServer([Reply(drop=True), Reply(200, {"late": True}, delay=1.5), Reply(200, {"ok": True})]) as server:
        http, sleeps = transport(server.url, timeout=(2, 0.5))
        assert http.get_json("things/") == {"ok": True}
    assert len(server.received) == 3
    assert len(sleeps.calls) == 2


def test_transport_raises_transport_error_when_nothing_listens():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    http, sleeps = transport(f"http://127.0.0.1:{port}", max_retries=2)
    with pytest.raises(TransportError, match="3 attempt"):
        http.get_json("things/")
    assert len(sleeps.calls) == 2


def test_transport_rewinds_uploaded_files_before_a_retry(tmp_path):
    path = tmp_path / "report.csv"
    path.write_bytes(b"po,amount\nA1,12.50\n")
    with ScriptedServer([Reply(503), Reply(201, {"id": 7})]) as server, path.open("rb") as handle:
        http, _ = transport(server.url)
        http.post_json("imports/", files={"file": ("report.csv", handle, "text/csv")})
    assert all(b"A1,12.50" in r.body for r in server.received)


def test_next_links_keep_the_base_origin_so_the_key_never_leaves_it():
    pages = [
        Reply(200, {"next": "http://attacker.invalid:1/api/v1/things/?cursor=abc", "results": [{"id": 1}]}),
        Reply(200, {"next": None, "results": [{"id": 2}]}),
    ]
    with ScriptedServer(pages) as server:
        client = Client(server.url + "/api/v1/", "acorn_test_key", max_retries=0)
        from acorn_client.pagination import Paginator

        items = list(Paginator(client._transport, "things/", lambda item: item["id"]))
    assert items == [1, 2]
    assert server.received[1].path == "/api/v1/things/?cursor=abc"


def test_parse_retry_after_reads_seconds_dates_and_rejects_garbage():
    now = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7", now=now) == 7.0
    assert parse_retry_after(" 0 ", now=now) == 0.0
    assert parse_retry_after("Thu, 26 Nov 2026 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Thu, 26 Nov 2026 11:00:00 GMT", now=now) == 0.0  # in the past: go now
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after("", now=now) is None
    assert parse_retry_after(None, now=now) is None


def test_client_rejects_missing_settings():
    with pytest.raises(ValueError, match="api_key"):
        Client("http://127.0.0.1:1/api/v1/", "")
    with pytest.raises(ValueError, match="base_url"):
        Client("", "key")


def test_transport_passes_through_a_callers_session():
    session = requests.Session()
    with ScriptedServer([Reply(200, {"x": 1})]) as server:
        http, _ = transport(server.url, session=session, user_agent="erp-bridge/2")
        http.get_json("things/")
    assert server.received[0].headers["User-Agent"] == "erp-bridge/2"


def test_transport_waits_for_a_request_still_in_progress_but_not_for_other_conflicts():
    busy = {"type": "https://acorn.dev/problems/request-in-progress", "title": "Conflict", "status": 409}
    conflict = {"type": "https://acorn.dev/problems/transition-not-allowed", "title": "Conflict", "status": 409}
    with ScriptedServer([Reply(409, busy, PROBLEM), Reply(201, {"id": 3}), Reply(409, conflict, PROBLEM)]) as server:
        http, sleeps = transport(server.url)
        assert http.post_json("things/", json={}) == {"id": 3}
        with pytest.raises(ConflictError):
            http.post_json("things/", json={})
    assert len(server.received) == 3 and len(sleeps.calls) == 1
    assert server.received[0].headers["Idempotency-Key"] == server.received[1].headers["Idempotency-Key"]
