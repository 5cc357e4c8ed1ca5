"""Organization isolation of every `/api/v1/` route, read and write, walked from the URLconf.

Every route of developer/api/urls.py must appear in ROUTES (a route added later fails
`test_every_route_is_covered` until it is), and is called with a key of organization A — holding
every scope, with the admin role, so nothing but scoping stands in the way — on organization B's
objects. Objects of B are "not found" (404); lists show A's rows and none of B's; writes naming B's
account or objects are 404 and change nothing.
"""

from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from acorn_portal.models import OutboxEvent
from acorn_portal.roles import Role
from acorn_portal.services.events import emit_event
from datasources.models import FileImport, SyncRun
from developer.models import LedgerExport, WebhookDelivery, WebhookEndpoint
from refunds.models import (
    Chargeback,
    CoopAgreement,
    Invoice,
    ProofOfDelivery,
    PurchaseOrder,
    PurchaseOrderItem,
    Remittance,
    Shipment,
)
from tests.acorn_portal.test_admin_scoping import World, build_documents
from tests.developer.conftest import client_for, make_key
from tests.refunds.cases import PDF_BYTES, upload

# Public documentation, served without a key (the schema says nothing about any organization's data).
PUBLIC = {"schema", "docs"}


@dataclass
class Route:
    """How to call one route: its path arguments and body from a world, and the model its list shows."""

    methods: tuple[str, ...]
    kwargs: callable = None  # world -> path kwargs
    body: callable = None  # world -> request data (POST)
    multipart: bool = False
    lists: type | None = None  # model whose rows a GET lists (checked for the other world's ids)
    list_key: str = "id"
    extra: dict = field(default_factory=dict)
    about_caller: bool = False  # a GET about the key itself: names our organization, never theirs
    page_param: str = "page_size"  # how the list is asked for a large page (lists refuse other parameters)


def _pk(model):
    return lambda world: {"pk": world.get(model).pk}


def _cb(world):
    return {"pk": world.get(Chargeback).pk}


ROUTES: dict[str, Route] = {
    "me": Route(("GET",), about_caller=True),
    "chargeback-list": Route(("GET",), lists=Chargeback),
    "chargeback-detail": Route(("GET",), kwargs=_cb),
    "chargeback-status": Route(("GET",), kwargs=_cb),
    "chargeback-transition": Route(("POST",), kwargs=lambda w: {**_cb(w), "name": "start_review"}, body=lambda w: {}),
    "chargeback-evaluate": Route(("POST",), kwargs=_cb, body=lambda w: {}),
    "chargeback-evidence": Route(
        ("GET", "POST"),
        kwargs=_cb,
        body=lambda w: {"kind": "pod", "file": upload(PDF_BYTES, "pod.pdf")},
        multipart=True,
    ),
    "purchase-order-list": Route(("GET",), lists=PurchaseOrder),
    "purchase-order-detail": Route(("GET",), kwargs=_pk(PurchaseOrder)),
    "shipment-list": Route(("GET",), lists=Shipment),
    "shipment-detail": Route(("GET",), kwargs=_pk(Shipment)),
    "shipment-bulk": Route(
        ("POST",), body=lambda w: {"account": w.account.pk, "items": [{"shipment_id": "NEW-SHIP", "items": []}]}
    ),
    "receipt-list": Route(("GET",), lists=PurchaseOrderItem),
    "invoice-list": Route(("GET",), lists=Invoice),
    "invoice-detail": Route(("GET",), kwargs=_pk(Invoice)),
    "invoice-bulk": Route(
        ("POST",),
        body=lambda w: {
            "account": w.account.pk,
            "items": [{"number": "NEWINV1", "issued_at": "2026-11-01T18:00:00Z", "amount": "10.00", "currency": "USD"}],
        },
    ),
    "remittance-list": Route(("GET",), lists=Remittance),
    "remittance-detail": Route(("GET",), kwargs=_pk(Remittance)),
    "proof-of-delivery-bulk": Route(
        ("POST",),
        body=lambda w: {
            "account": w.account.pk,
            "items": [
                {
                    "shipment_id": w.get(Shipment).shipment_id,
                    "signed": True,
                    "delivered_at": "2026-11-02T10:00:00Z",
                    "cartons_delivered": 1,
                }
            ],
        },
    ),
    "coop-agreement-bulk": Route(
        ("POST",),
        body=lambda w: {
            "account": w.account.pk,
            "items": [
                {
                    "agreement_id": "99990001",
                    "vendor_code": w.account.vendor_code_list[0],
                    "rate_percent": "3.00",
                    "currency": w.account.currency,
                    "active_from": "2026-01-01",
                }
            ],
        },
    ),
    "import-list": Route(("GET", "POST"), lists=FileImport, body=lambda w: _import_body(w), multipart=True),
    "import-detail": Route(("GET",), kwargs=_pk(FileImport)),
    "sync-run-list": Route(("GET", "POST"), lists=SyncRun, body=lambda w: {"account": w.account.pk}),
    "sync-run-detail": Route(("GET",), kwargs=_pk(SyncRun)),
    "event-list": Route(("GET",), lists=OutboxEvent, page_param="limit"),
    # Creating an endpoint names nothing of another organization (it belongs to the key's): tested in
    # test_webhooks_ledger_api, as are PATCH and DELETE on another organization's endpoint (404).
    "webhook-list": Route(("GET",), lists=WebhookEndpoint),
    "webhook-detail": Route(("GET",), kwargs=_pk(WebhookEndpoint)),
    "webhook-rotate-secret": Route(("POST",), kwargs=_pk(WebhookEndpoint), body=lambda w: {}),
    "webhook-ping": Route(("POST",), kwargs=_pk(WebhookEndpoint), body=lambda w: {}),
    "webhook-deliveries": Route(("GET",), kwargs=_pk(WebhookEndpoint)),
    "webhook-delivery": Route(("GET",), kwargs=lambda w: _delivery(w)),
    "webhook-redeliver": Route(("POST",), kwargs=lambda w: _delivery(w), body=lambda w: {}),
    # The ledger lists journal lines of deductions (each world has one, issued TODAY in its factory).
    "ledger-list": Route(
        ("GET",), lists=Chargeback, list_key="chargeback_id", extra={"from": "2026-03-01", "to": "2026-03-31"}
    ),
    # Acknowledging another organization's export is 404 and acknowledges nothing (not even our own ids sent with it).
    "ledger-ack": Route(("POST",), body=lambda w: {"export_ids": [w.get(LedgerExport).pk]}),
    "ledger-export-list": Route(("GET",), lists=LedgerExport),
    "ledger-export-detail": Route(("GET",), kwargs=_pk(LedgerExport)),
}


def _delivery(world):
    delivery = world.get(WebhookDelivery)
    return {"pk": delivery.endpoint_id, "delivery_id": delivery.pk}


def _import_body(world):
    csv = b"Issue ID,Amount\nX1,10.00\n"
    return {"account": world.account.pk, "kind": "chargebacks", "file": upload(csv, "report.csv")}


def api_routes():
    """(name, pattern) of every named route under developer.api.urls, router routes included."""
    found = []

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                found.append(pattern.name)

    walk(get_resolver("developer.api.urls").url_patterns)
    return sorted(set(found))


def test_every_route_is_covered():
    missing = [name for name in api_routes() if name not in ROUTES and name not in PUBLIC]
    assert not missing, f"add these routes to ROUTES in {__file__} (isolation must be tested): {missing}"
    stale = [name for name in ROUTES if name not in api_routes()]
    assert not stale, f"ROUTES names routes that no longer exist: {stale}"


@pytest.fixture
def two_worlds(org, other_org, account, other_account):
    ours, theirs = World(org, account, "ACME"), World(other_org, other_account, "RIVL")
    for world in (ours, theirs):
        build_documents(world)
        emit_event("chargeback.created", organization=world.org, obj=world.get(Chargeback), payload={"tag": world.tag})
    return ours, theirs


def _url(name, kwargs):
    from django.urls import reverse

    return reverse(f"api:{name}", kwargs=kwargs or None)


def _snapshot():
    """Counts that a refused write must leave as they were."""
    from refunds.models import Evidence

    return {
        model.__name__: model.objects.count()
        for model in (Shipment, Invoice, FileImport, SyncRun, Evidence, OutboxEvent, ProofOfDelivery, CoopAgreement)
    } | {
        "states": sorted(Chargeback.objects.values_list("id", "state", "workflow_version")),
        "webhook secrets": sorted(WebhookEndpoint.objects.values_list("id", "secret")),
        "deliveries": sorted(WebhookDelivery.objects.values_list("id", "status", "next_attempt_at")),
        "ledger acknowledgements": sorted(LedgerExport.objects.values_list("id", "acknowledged_at")),
    }


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_route_keeps_organizations_apart(name, two_worlds):
    ours, theirs = two_worlds
    route = ROUTES[name]
    key, secret = make_key(ours.org, role=Role.ADMIN)
    api = client_for(secret)
    for method in route.methods:
        if route.about_caller:
            body = api.get(_url(name, None)).json()
            assert body["organization"] == {"id": ours.org.pk, "name": ours.org.name}, body
            assert str(theirs.org.name) not in str(body)
            continue
        if method == "GET" and route.lists is not None:
            response = api.get(_url(name, None), {route.page_param: 200, **route.extra})
            assert response.status_code == 200, response.content
            ids = {row[route.list_key] for row in response.json()["results"]}
            theirs_id = theirs.get(route.lists).pk if route.lists is not OutboxEvent else _event_id(theirs)
            ours_id = ours.get(route.lists).pk if route.lists is not OutboxEvent else _event_id(ours)
            assert ours_id in ids, f"{name}: our own row is missing, so the test proves nothing"
            assert theirs_id not in ids, f"{name}: lists another organization's row"
            continue
        url = _url(name, route.kwargs(theirs) if route.kwargs else None)
        before = _snapshot()
        if method == "GET":
            response = api.get(url)
        else:
            data = route.body(theirs) if route.body else {}
            fmt = "multipart" if route.multipart else "json"
            response = api.post(url, data, format=fmt)
        assert response.status_code == 404, f"{method} {url}: {response.status_code} {response.content[:300]}"
        assert response["Content-Type"] == "application/problem+json"
        assert _snapshot() == before, f"{method} {url} changed data of another organization"
        if route.kwargs:
            # The same call on our own object is allowed (so the 404 above is about the organization).
            own = _url(name, route.kwargs(ours))
            if method == "GET":
                assert api.get(own).status_code == 200


def _event_id(world):
    return OutboxEvent.objects.filter(organization=world.org).order_by("id").values_list("id", flat=True).first()
