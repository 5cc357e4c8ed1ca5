"""One envelope per event: the feed, the webhook body (over real HTTP) and the delivery log agree; ping."""

import json

import pytest
import time_machine

from acorn_portal.roles import Role
from acorn_portal.services.events import emit_event
from developer.models import WebhookDelivery
from developer.services.delivery import deliver_due
from developer.signing import verify
from tests.developer.conftest import client_for, make_key
from tests.developer.receiver import Receiver
from tests.developer.webhooks import T0, make_endpoint, run
from tests.refunds.cases import make_chargeback

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(T0, tick=False)]

ENVELOPE = {"id", "type", "created_at", "organization", "object", "data"}
HOOKS = "/api/v1/webhooks/"


@pytest.fixture
def admin_api(org):
    return client_for(make_key(org, role=Role.ADMIN)[1])


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.stop()


def test_the_feed_the_webhook_body_and_the_delivery_log_show_one_envelope(admin_api, org, account, receiver):
    endpoint, _ = make_endpoint(org, receiver.url, events=["chargeback.state_changed"])
    case = make_chargeback(account)
    with time_machine.travel(T0.replace(microsecond=123456), tick=False):
        event = emit_event(
            "chargeback.state_changed", organization=org, obj=case, payload={"from": "new", "to": "in_review"}
        )
    run(T0)
    [request] = receiver.requests
    sent = json.loads(request["body"])
    [fed] = [item for item in admin_api.get("/api/v1/events/").json()["results"] if item["id"] == event.pk]
    [logged] = admin_api.get(f"{HOOKS}{endpoint.pk}/deliveries/").json()["results"]
    one = admin_api.get(f"{HOOKS}{endpoint.pk}/deliveries/{logged['id']}/").json()

    assert set(sent) == ENVELOPE
    assert sent == {
        "id": event.pk,
        "type": "chargeback.state_changed",
        "created_at": "2026-11-26T09:00:00.123Z",
        "organization": org.slug,
        "object": {"type": "refunds.chargeback", "id": str(case.pk)},
        "data": {"from": "new", "to": "in_review"},
    }
    assert {key: fed[key] for key in ENVELOPE} == sent
    assert logged["body"] == one["body"] == sent
    assert logged["event"] == event.pk and logged["event_type"] == "chargeback.state_changed"
    # The old names stay for now as deprecated aliases carrying the same values.
    assert fed["name"] == fed["type"] and fed["payload"] == fed["data"] and fed["position"] >= 1
    assert (fed["object_type"], fed["object_id"]) == ("refunds.chargeback", str(case.pk))
    assert logged["event_name"] == logged["event_type"]


def test_ping_delivers_a_signed_test_event_to_that_endpoint_only(admin_api, org, receiver):
    endpoint, secret = make_endpoint(org, receiver.url)
    other, _ = make_endpoint(org, receiver.url)
    response = admin_api.post(f"{HOOKS}{endpoint.pk}/ping/")
    assert response.status_code == 202, response.content
    queued = response.json()
    assert queued["event_type"] == "ping" and queued["status"] == "pending" and queued["body"]["type"] == "ping"
    run(T0)
    [request] = receiver.requests  # the other endpoint got nothing
    assert request["headers"]["ACORN-Event"] == "ping"
    assert verify(secret, request["body"], request["headers"]["ACORN-Signature"], tolerance=0)
    body = json.loads(request["body"])
    assert body == queued["body"]
    assert body["object"] == {"type": "developer.webhookendpoint", "id": str(endpoint.pk)}
    assert body["data"] == {"endpoint": endpoint.pk, "url": receiver.url}
    [logged] = admin_api.get(f"{HOOKS}{endpoint.pk}/deliveries/").json()["results"]
    assert logged["status"] == "succeeded" and logged["body"] == body
    assert not WebhookDelivery.objects.filter(endpoint=other).exists()
    # Never in the feed, never subscribable.
    assert "ping" not in {item["type"] for item in admin_api.get("/api/v1/events/").json()["results"]}
    refused = admin_api.post(HOOKS, {"url": receiver.url, "events": ["ping"]}, format="json")
    assert refused.status_code == 400 and "events.0" in refused.json()["errors"]


def test_ping_of_a_disabled_endpoint_is_a_conflict(admin_api, org, receiver):
    endpoint, _ = make_endpoint(org, receiver.url)
    admin_api.patch(f"{HOOKS}{endpoint.pk}/", {"is_enabled": False}, format="json")
    response = admin_api.post(f"{HOOKS}{endpoint.pk}/ping/")
    assert response.status_code == 409 and response["Content-Type"] == "application/problem+json"
    assert not WebhookDelivery.objects.exists()


def test_ping_needs_the_admin_role_and_stays_in_its_organization(org, other_org, receiver):
    endpoint, _ = make_endpoint(org, receiver.url)
    theirs = client_for(make_key(other_org, role=Role.ADMIN)[1])
    assert theirs.post(f"{HOOKS}{endpoint.pk}/ping/").status_code == 404
    manager = client_for(make_key(org, role=Role.MANAGER)[1])
    assert manager.post(f"{HOOKS}{endpoint.pk}/ping/").status_code == 403
    deliver_due()
    assert not WebhookDelivery.objects.exists() and receiver.requests == []
