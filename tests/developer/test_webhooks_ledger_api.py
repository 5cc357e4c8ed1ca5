"""`/api/v1/webhooks/` and `/api/v1/ledger/`: scopes, the secret shown once, redelivery, exports, isolation."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from acorn_portal.roles import Role
from developer.choices import DeliveryStatus
from developer.models import GLAccountMapping, LedgerExport, WebhookDelivery, WebhookEndpoint
from developer.scopes import Scope
from tests.developer.conftest import client_for, make_key
from tests.developer.receiver import Receiver
from tests.developer.webhooks import T0, event, make_endpoint, run
from tests.refunds.cases import make_chargeback

pytestmark = pytest.mark.django_db

HOOKS = "/api/v1/webhooks/"


@pytest.fixture
def api_key(org):
    """Webhooks and the ledger are for admins (and finance, the ledger): the role is checked too."""
    return make_key(org, role=Role.ADMIN)


@pytest.fixture
def other_api(other_org):
    return client_for(make_key(other_org, role=Role.ADMIN)[1])


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.stop()


def test_create_returns_the_secret_once(api, org, receiver):
    response = api.post(
        HOOKS,
        {"url": receiver.url, "events": ["chargeback.created", "sync.failed"], "description": "ERP"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_") and body["events"] == ["chargeback.created", "sync.failed"]
    endpoint = WebhookEndpoint.objects.get(pk=body["id"])
    assert endpoint.organization == org and endpoint.secret == body["secret"]
    for url in (HOOKS, f"{HOOKS}{endpoint.pk}/"):
        assert body["secret"] not in api.get(url).content.decode()
    assert "secret" not in api.get(f"{HOOKS}{endpoint.pk}/").json()


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"url": "ftp://example.com/x", "events": ["sync.failed"]}, "url"),
        ({"url": "http://10.1.2.3/hook", "events": ["sync.failed"]}, "url"),
        ({"url": "http://100.100.100.200/latest/meta-data/", "events": ["sync.failed"]}, "url"),
        ({"url": "http://[2002:a9fe:a9fe::1]/hook", "events": ["sync.failed"]}, "url"),
        ({"url": "http://[fec0::1]/hook", "events": ["sync.failed"]}, "url"),
        ({"url": "https://example.com/x", "events": ["chargeback.exploded"]}, "events.0"),
        ({"url": "https://example.com/x", "events": []}, "events"),
    ],
)
def test_bad_subscription_is_refused_with_the_field(api, payload, field):
    response = api.post(HOOKS, payload, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json" and field in response.json()["errors"]
    assert not WebhookEndpoint.objects.exists()


def test_update_disable_enable_and_delete(api, org, receiver):
    endpoint, _ = make_endpoint(org, receiver.url)
    url = f"{HOOKS}{endpoint.pk}/"
    response = api.patch(url, {"events": ["sync.failed"], "is_enabled": False}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["events"] == ["sync.failed"] and response.json()["is_enabled"] is False
    assert response.json()["disabled_reason"] == "Disabled through the API."
    assert api.patch(url, {"is_enabled": True}, format="json").json()["is_enabled"] is True
    assert api.delete(url).status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_rotate_secret(api, org, receiver):
    endpoint, old = make_endpoint(org, receiver.url)
    response = api.post(f"{HOOKS}{endpoint.pk}/rotate-secret/")
    assert response.status_code == 200
    new = response.json()["secret"]
    assert new != old and WebhookEndpoint.objects.get().secret == new


def test_delivery_log_and_redelivery(api, org, receiver):
    endpoint, _ = make_endpoint(org, receiver.url)
    event(org)
    run(T0)
    delivery = WebhookDelivery.objects.get()
    log = api.get(f"{HOOKS}{endpoint.pk}/deliveries/")
    assert log.status_code == 200
    [item] = log.json()["results"]
    assert item["id"] == delivery.pk and item["status"] == "succeeded" and item["response_status"] == 200
    one = api.get(f"{HOOKS}{endpoint.pk}/deliveries/{delivery.pk}/")
    assert one.status_code == 200 and one.json()["request_id"] == delivery.request_id
    again = api.post(f"{HOOKS}{endpoint.pk}/deliveries/{delivery.pk}/redeliver/")
    assert again.status_code == 202 and again.json()["status"] == DeliveryStatus.PENDING
    from developer.services.delivery import deliver_due

    deliver_due()
    assert receiver.delivery_ids() == [str(delivery.pk)] * 2


def test_webhooks_need_their_scope(org):
    api = client_for(make_key(org, scopes=[Scope.CHARGEBACKS_READ])[1])
    response = api.get(HOOKS)
    assert response.status_code == 403 and "webhooks:manage" in response.json()["detail"]


def test_another_organizations_key_gets_404_everywhere(org, other_api, receiver):
    endpoint, _ = make_endpoint(org, receiver.url)
    event(org)
    run(T0)
    delivery = WebhookDelivery.objects.get()
    base = f"{HOOKS}{endpoint.pk}/"
    calls = [
        ("get", base),
        ("patch", base),
        ("delete", base),
        ("post", f"{base}rotate-secret/"),
        ("get", f"{base}deliveries/"),
        ("get", f"{base}deliveries/{delivery.pk}/"),
        ("post", f"{base}deliveries/{delivery.pk}/redeliver/"),
    ]
    for method, url in calls:
        response = getattr(other_api, method)(url, {"is_enabled": False} if method == "patch" else None, format="json")
        assert response.status_code == 404, (method, url, response.content)
    assert other_api.get(HOOKS).json()["results"] == []
    endpoint.refresh_from_db()
    assert endpoint.is_enabled and WebhookDelivery.objects.get().attempts == 1


def test_a_delivery_of_another_endpoint_is_404(api, org, receiver):
    mine, _ = make_endpoint(org, receiver.url)
    other, _ = make_endpoint(org, receiver.url)
    event(org)
    run(T0)
    theirs = WebhookDelivery.objects.get(endpoint=other)
    assert api.get(f"{HOOKS}{mine.pk}/deliveries/{theirs.pk}/").status_code == 404


# -- ledger ---------------------------------------------------------------------------------------


@pytest.fixture
def mapped(org):
    return GLAccountMapping.objects.create(
        organization=org,
        accounts_receivable="1200",
        deductions_receivable="1290",
        chargeback_expense="6100",
        recoveries="1010",
        write_offs="6190",
    )


LEDGER = "/api/v1/ledger/?from=2026-11-01&to=2026-11-30"
ACK = "/api/v1/ledger/ack/"


def test_ledger_json_export_pages_and_refetch(api, account, mapped):
    cases = [make_chargeback(account, amount=Decimal("10.00"), issue_date=date(2026, 11, d)) for d in (3, 4, 5)]
    response = api.get(LEDGER + "&page_size=4")
    assert response.status_code == 200, response.content
    body = response.json()
    export = LedgerExport.objects.get()
    assert body["id"] == export.pk == int(response["X-Ledger-Export-Id"]) and body["line_count"] == 6
    assert body["complete"] is True and body["totals"] == {"USD": {"debit": "30.00", "credit": "30.00"}}
    assert len(body["results"]) == 4 and body["next"].startswith(
        f"http://testserver/api/v1/ledger/exports/{export.pk}/"
    )
    rest = api.get(body["next"]).json()
    assert len(rest["results"]) == 2 and rest["next"] is None
    keys = [line["line_key"] for line in body["results"] + rest["results"]]
    assert keys == [f"cb{cb.pk}.deduction.{side}" for cb in cases for side in ("dr", "cr")]
    assert body["results"][0] | {"memo": ""} == {
        "line_key": f"cb{cases[0].pk}.deduction.dr",
        "entry": f"cb{cases[0].pk}.deduction",
        "kind": "deduction_booked",
        "posting_date": "2026-11-03",
        "account": "1290",
        "account_role": "deductions_receivable",
        "debit": "10.00",
        "credit": "0.00",
        "currency": "USD",
        "chargeback_id": cases[0].pk,
        "amazon_id": cases[0].amazon_id,
        "vendor_account_id": account.pk,
        "memo": "",
    }
    # Once acknowledged, a repeat finds nothing new; the past export is still there by id.
    assert api.post(ACK, {"export_ids": [export.pk]}, format="json").status_code == 200
    repeat = api.get(LEDGER).json()
    assert repeat["id"] is None and repeat["results"] == [] and LedgerExport.objects.count() == 1
    again = api.get(f"/api/v1/ledger/exports/{export.pk}/?page_size=200").json()
    assert [line["line_key"] for line in again["results"]] == keys
    listed = api.get("/api/v1/ledger/exports/").json()["results"]
    assert [item["id"] for item in listed] == [export.pk]
    newer = make_chargeback(account, amount=Decimal("1.00"), issue_date=date(2026, 11, 29))
    assert [line["chargeback_id"] for line in api.get(LEDGER).json()["results"]] == [newer.pk, newer.pk]


def keys_of(body):
    return [line["line_key"] for line in body["results"]]


@pytest.mark.time_machine(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), tick=False)
def test_reading_never_consumes_until_acknowledged(api, account, mapped, settings):
    settings.LEDGER_EXPORT_MAX_LINES = 4  # two entries per export
    cases = [make_chargeback(account, amount=Decimal("10.00"), issue_date=date(2026, 11, d)) for d in (3, 4, 5)]
    first = api.get(LEDGER)
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["line_count"] == 4 and body["complete"] is False and body["acknowledged_at"] is None
    # A proxy retry or a second reader gets the same export, the same lines.
    second = api.get(LEDGER).json()
    assert second["id"] == body["id"] and keys_of(second) == keys_of(body) and LedgerExport.objects.count() == 1
    pending = api.get("/api/v1/ledger/exports/?acknowledged=false").json()["results"]
    assert [item["id"] for item in pending] == [body["id"]]

    ack = api.post(ACK, {"export_ids": [body["id"]]}, format="json")
    assert ack.status_code == 200, ack.content
    [acked] = ack.json()["acknowledged"]
    assert acked["id"] == body["id"] and acked["acknowledged_at"].startswith("2026-12-01T09:00:00")
    # Idempotent: the same answer again, the first time kept (a retry after a lost response is harmless).
    with time_machine.travel(datetime(2026, 12, 1, 10, 0, tzinfo=UTC), tick=False):
        assert api.post(ACK, {"export_ids": [body["id"]]}, format="json").json() == ack.json()
    assert LedgerExport.objects.get(pk=body["id"]).acknowledged_by is not None

    rest = api.get(LEDGER).json()
    assert rest["id"] != body["id"] and rest["complete"] is True
    assert keys_of(rest) == [f"cb{cases[2].pk}.deduction.{side}" for side in ("dr", "cr")]
    assert api.get("/api/v1/ledger/exports/?acknowledged=true").json()["results"][0]["id"] == body["id"]
    api.post(ACK, {"export_ids": [rest["id"]]}, format="json")
    assert api.get(LEDGER).json()["id"] is None
    assert api.get("/api/v1/ledger/exports/?acknowledged=false").json()["results"] == []


def test_the_deprecated_acknowledge_on_read_keeps_the_old_behaviour(api, account, mapped):
    make_chargeback(account, amount=Decimal("10.00"), issue_date=date(2026, 11, 3))
    response = api.get(LEDGER + "&acknowledge=true")
    assert response.status_code == 200 and response["Deprecation"].startswith("@")
    assert response.json()["line_count"] == 2
    assert LedgerExport.objects.get().acknowledged_at is not None
    assert api.get(LEDGER).json()["id"] is None
    assert api.get(LEDGER + "&acknowledge=maybe").status_code == 400


def test_ack_refuses_bad_bodies(api):
    for payload in ({}, {"export_ids": []}, {"export_ids": ["x"]}, {"export_ids": list(range(1, 102))}):
        response = api.post(ACK, payload, format="json")
        assert response.status_code == 400, (payload, response.content)
        assert "export_ids" in str(response.json()["errors"])


def test_acknowledging_another_organizations_export_is_404_and_acknowledges_nothing(api, other_api, account, mapped):
    make_chargeback(account, issue_date=date(2026, 11, 3))
    export_id = api.get(LEDGER).json()["id"]
    refused = other_api.post(ACK, {"export_ids": [export_id]}, format="json")
    assert refused.status_code == 404 and refused["Content-Type"] == "application/problem+json"
    assert str(export_id) in refused.json()["detail"]
    assert LedgerExport.objects.get().acknowledged_at is None
    # Our own id next to a missing one: all or nothing.
    assert api.post(ACK, {"export_ids": [export_id, export_id + 1000]}, format="json").status_code == 404
    assert LedgerExport.objects.get().acknowledged_at is None
    # Their pending exports are not ours to see either.
    assert other_api.get("/api/v1/ledger/exports/?acknowledged=false").json()["results"] == []
    assert api.get(LEDGER).json()["id"] == export_id


def test_ack_needs_the_ledger_scope_and_role(org, account, mapped):
    make_chargeback(account, issue_date=date(2026, 11, 3))
    export_id = client_for(make_key(org, role=Role.ADMIN)[1]).get(LEDGER).json()["id"]
    no_scope = client_for(make_key(org, role=Role.ADMIN, scopes=[Scope.WEBHOOKS_MANAGE])[1])
    assert no_scope.post(ACK, {"export_ids": [export_id]}, format="json").status_code == 403
    operations = client_for(make_key(org, role=Role.OPERATIONS, scopes=[Scope.LEDGER_READ])[1])
    assert operations.post(ACK, {"export_ids": [export_id]}, format="json").status_code == 403
    assert LedgerExport.objects.get().acknowledged_at is None


@pytest.mark.parametrize("how", ["accept", "format"])
def test_ledger_csv(api, account, mapped, how):
    make_chargeback(account, amazon_id="@SUM(1)", amount=Decimal("7.00"), issue_date=date(2026, 11, 3))
    if how == "accept":
        response = api.get(LEDGER, HTTP_ACCEPT="text/csv")
    else:
        response = api.get(LEDGER + "&format=csv")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    export = LedgerExport.objects.get()
    assert response["X-Ledger-Export-Id"] == str(export.pk)
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(row["account"], row["debit"], row["credit"]) for row in rows] == [
        ("1290", "7.00", "0.00"),
        ("1200", "0.00", "7.00"),
    ]
    assert {row["amazon_id"] for row in rows} == {"'@SUM(1)"}
    refetch = api.get(f"/api/v1/ledger/exports/{export.pk}/?format=csv")
    assert refetch.status_code == 200 and b"".join(refetch.streaming_content).decode() == text


def test_ledger_bad_input_is_a_problem(api, account):
    assert api.get("/api/v1/ledger/?from=2026-11-01").status_code == 400
    bad = api.get("/api/v1/ledger/?from=2026-13-01&to=2026-11-30")
    assert bad.status_code == 400 and "from" in bad.json()["errors"]
    backwards = api.get("/api/v1/ledger/?from=2026-11-30&to=2026-11-01")
    assert backwards.status_code == 400 and "starts after it ends" in backwards.json()["detail"]
    make_chargeback(account, issue_date=date(2026, 11, 3))
    unmapped = api.get(LEDGER)
    assert unmapped.status_code == 400 and "No GL account mapping for USD" in unmapped.json()["detail"]
    assert not LedgerExport.objects.exists()


def test_ledger_needs_its_scope(org):
    api = client_for(make_key(org, scopes=[Scope.WEBHOOKS_MANAGE])[1])
    assert api.get(LEDGER).status_code == 403
    assert api.get("/api/v1/ledger/exports/").status_code == 403


def test_ledger_of_another_organization_is_invisible(api, other_api, account, other_org, mapped):
    make_chargeback(account, issue_date=date(2026, 11, 3))
    export_id = api.get(LEDGER).json()["id"]
    assert other_api.get(f"/api/v1/ledger/exports/{export_id}/").status_code == 404
    assert other_api.get(f"/api/v1/ledger/exports/{export_id}/?format=csv").status_code == 404
    assert other_api.get("/api/v1/ledger/exports/").json()["results"] == []
    theirs = other_api.get(LEDGER).json()
    assert theirs["id"] is None and theirs["results"] == []
    assert other_api.get("/api/v1/ledger/exports/?acknowledged=false").json()["results"] == []


@pytest.mark.parametrize(
    "url", ["http://100.100.100.200/latest/meta-data/", "http://[2002:7f00:1::1]/", "http://[64:ff9b::a9fe:a9fe]/"]
)
def test_metadata_and_wrapped_internal_addresses_are_refused_with_production_defaults(api, url, settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = []  # what production gets with ACORN_DEBUG off and nothing allowed
    response = api.post(HOOKS, {"url": url, "events": ["sync.failed"]}, format="json")
    assert response.status_code == 400, response.content
    assert "globally routable" in str(response.json()["errors"]["url"])
    assert not WebhookEndpoint.objects.exists()
