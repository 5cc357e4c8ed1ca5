"""Contract test: schemathesis against the live server, from the COMMITTED schema (developer/openapi.yaml).

With a real key holding every scope and a seeded organization, every operation of the schema is
called with (1) an explicit case naming seeded objects, so real rows are checked against the
documented shapes, and (2) a few generated cases (deterministic: Hypothesis derandomized, no
example database). Checks: no 5xx, documented status codes and content types, response bodies and
headers that match their schemas. All failures are collected and reported together, each with the
request that caused it and the response.

Bounded on purpose: MAX_EXAMPLES per operation, no shrinking; the run prints how long it took.
"""

import io
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import schemathesis
from acorn_client import Client
from django.conf import settings
from django.test import override_settings
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from acorn_portal.roles import Role
from datasources.models import DataSource, SyncRun
from developer.models import GLAccountMapping
from developer.tasks import dispatch_webhooks
from refunds.models import PurchaseOrder
from refunds.services.ingest import (
    PurchaseOrderItemRecord,
    PurchaseOrderRecord,
    RemittanceLineRecord,
    RemittanceRecord,
    upsert_purchase_orders,
    upsert_remittances,
)
from tests.clients.conftest import issue_key
from tests.refunds.cases import PDF_BYTES, make_chargeback, today

SCHEMA_PATH = Path(settings.BASE_DIR) / "developer" / "openapi.yaml"
MAX_EXAMPLES = 5
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
REPORT_CSV = "Issue ID,Chargeback Type,Amount,Issue Date,PO #\n9001,ASN Accuracy,25.00,03/04/2025,2JK3S9VC\n"


def seed(account, acorn: Client, admin: Client) -> dict:
    """One of everything the API serves, made through the services and the API itself (webhooks and
    the ledger export with an admin's key: a manager's key may not touch them)."""
    endpoint = admin.webhooks.create("http://127.0.0.1:9/acorn", ["chargeback.state_changed", "import.completed"])
    # Issued long enough ago that Amazon's matching period is over: the evidence upload re-evaluates the
    # case, and a claim still in its blackout could not be taken into review.
    cases = [
        make_chargeback(account, amazon_id=f"CT{n:06d}", issue_date=today() - timedelta(days=90 + n)) for n in range(3)
    ]
    acorn.chargebacks.upload_evidence(cases[0].pk, kind="pod", file=io.BytesIO(PDF_BYTES), filename="pod.pdf")
    acorn.chargebacks.transition(cases[0].pk, "start_review", note="contract seed")
    ordered = datetime(2026, 9, 1, 15, 30, tzinfo=UTC)
    upsert_purchase_orders(
        account=account,
        records=[
            PurchaseOrderRecord(
                number="2JK3S9VC",
                state="Acknowledged",
                ordered_at=ordered,
                ship_to_party="ABE8",
                items=[
                    PurchaseOrderItemRecord(
                        item_sequence_number="1",
                        asin="B0TEST0001",
                        ordered_quantity=10,
                        net_cost=Decimal("12.50"),
                        currency="USD",
                    )
                ],
            )
        ],
    )
    shipments = acorn.documents.shipments.upsert(
        account.pk,
        [
            {
                "shipment_id": "ASN-CT-1",
                "shipped_at": "2026-09-03T10:00:00Z",
                "items": [{"item_sequence_number": "1", "shipped_quantity": 10, "po_number": "2JK3S9VC"}],
                "cartons": [{"sequence_number": 1, "identifier_type": "SSCC", "identifier": "000123456789012345"}],
            }
        ],
    )
    invoices = acorn.documents.invoices.upsert(
        account.pk,
        [
            {
                "number": "INV-CT-1",
                "invoice_date": "2026-09-04",
                "amount": "125.00",
                "currency": "USD",
                "po_number": "2JK3S9VC",
                "lines": [
                    {"line_number": 1, "quantity": 10, "unit_cost": "12.50", "amount": "125.00", "currency": "USD"}
                ],
            }
        ],
    )
    pod = acorn.documents.proofs_of_delivery.upsert(
        account.pk,
        [
            {
                "shipment_id": "ASN-CT-1",
                "kind": "POD",
                "signed": True,
                "delivered_at": "2026-09-06T08:00:00Z",
                "cartons_delivered": 1,
                "bill_of_lading": "BOL-1",
            }
        ],
    )
    assert shipments.ok and invoices.ok and pod.ok, (shipments, invoices, pod)
    upsert_remittances(
        account=account,
        records=[
            RemittanceRecord(
                payment_number="PAY-CT-1",
                payment_date=date(2026, 10, 1),
                amount=Decimal("100.00"),
                currency="USD",
                lines=[
                    RemittanceLineRecord(
                        line_number=1, invoice_number="INV-CT-1", amount=Decimal("100"), currency="USD"
                    )
                ],
            )
        ],
    )
    imported = acorn.imports.upload(
        account=account.pk, kind="chargebacks", file=io.BytesIO(REPORT_CSV.encode()), filename="defects.csv"
    )
    failed = acorn.imports.upload(
        account=account.pk,
        kind="chargebacks",
        file=io.BytesIO((REPORT_CSV + "9002,Prep,abc,03/05/2025,X\n").encode()),
        filename="bad.csv",
    )
    source = DataSource(account=account, name="feed", kind="data_feed", settings={"base_url": ""})
    source.save()
    run = SyncRun.objects.create(
        data_source=source,
        account=account,
        started_at=datetime(2026, 11, 1, tzinfo=UTC),
        counts={"chargebacks": {"created": 1, "updated": 0, "unchanged": 0, "rejected": 0}},
        errors=[{"kind": "chargebacks", "message": "timeout", "request_id": "req-1"}],
    )
    GLAccountMapping.objects.create(
        organization=account.organization,
        currency="",
        accounts_receivable="1200",
        deductions_receivable="1250",
        chargeback_expense="6100",
        recoveries="1255",
        write_offs="6900",
    )
    export = admin.ledger.export(today() - timedelta(days=120), today())  # the cases above included
    dispatch_webhooks()  # port 9 answers nothing: failed deliveries, logged
    delivery = next(iter(admin.webhooks.deliveries(endpoint.id)))
    return {
        "ledger_export": export.export.id,
        "webhook": endpoint.id,
        "delivery": delivery.id,
        "chargeback": cases[0].pk,
        "purchase_order": PurchaseOrder.objects.get(account=account).pk,
        "shipment": next(iter(acorn.documents.shipments.list())).id,
        "invoice": next(iter(acorn.documents.invoices.list())).id,
        "remittance": next(iter(acorn.documents.remittances.list())).id,
        "import": imported.id,
        "failed_import": failed.id,
        "sync_run": run.pk,
        "account": account.pk,
    }


def explicit_cases(operation, ids):
    """Cases naming seeded objects (the generated ones mostly hit 404s and validation errors)."""
    path, method = operation.path, operation.method.upper()
    ids_by_path = {
        "/api/v1/chargebacks/{id}/": ids["chargeback"],
        "/api/v1/chargebacks/{id}/evidence/": ids["chargeback"],
        "/api/v1/chargebacks/{id}/status/": ids["chargeback"],
        "/api/v1/chargebacks/{id}/evaluate/": ids["chargeback"],
        "/api/v1/documents/purchase-orders/{id}/": ids["purchase_order"],
        "/api/v1/documents/shipments/{id}/": ids["shipment"],
        "/api/v1/documents/invoices/{id}/": ids["invoice"],
        "/api/v1/documents/remittances/{id}/": ids["remittance"],
        "/api/v1/sync-runs/{id}/": ids["sync_run"],
        "/api/v1/ledger/exports/{id}/": ids["ledger_export"],
        "/api/v1/webhooks/{id}/": ids["webhook"],
        "/api/v1/webhooks/{id}/deliveries/": ids["webhook"],
        "/api/v1/webhooks/{id}/rotate-secret/": ids["webhook"],
        "/api/v1/webhooks/{id}/ping/": ids["webhook"],
    }
    if method == "DELETE":
        return []  # generated cases only: the seeded objects are needed by the operations after it
    if path == "/api/v1/imports/{id}/":
        return [operation.Case(path_parameters={"id": ids[name]}) for name in ("import", "failed_import")]
    if path == "/api/v1/chargebacks/{id}/transitions/{name}/":
        params = {"id": ids["chargeback"], "name": "accept_deduction"}
        return [operation.Case(path_parameters=params, body={"reason": "valid"}, media_type="application/json")]
    if path.startswith("/api/v1/webhooks/{id}/deliveries/{delivery_id}/"):
        return [operation.Case(path_parameters={"id": ids["webhook"], "delivery_id": ids["delivery"]})]
    if path == "/api/v1/ledger/":
        return [operation.Case(query={"from": (today() - timedelta(days=30)).isoformat(), "to": today().isoformat()})]
    if path in ids_by_path:
        if method == "POST" and path.endswith("/evidence/"):
            return []  # multipart uploads: generated cases below
        return [operation.Case(path_parameters={"id": ids_by_path[path]})]
    if "{" in path:
        raise AssertionError(f"{method} {path}: add seeded ids for it to explicit_cases()")
    return [operation.Case()] if method == "GET" else []


def describe(case, response, failure) -> str:
    request = response.request
    body = request.body if isinstance(request.body, (str, bytes)) else ""
    if isinstance(body, bytes):
        body = body[:300].decode(errors="replace")
    return (
        f"{case.operation.label}: {failure}\n"
        f"  request:  {request.method} {request.url}\n"
        f"            body {body!r}\n"
        f"  response: {response.status_code} {response.headers.get('Content-Type', '')}\n"
        f"            {response.text[:500]}"
    )


@override_settings(ACORN_API_RATE="100000/min")
def test_api_conforms_to_the_committed_schema(live_server, org, account):
    secret = issue_key(org, name="contract test")
    acorn = Client(live_server.url + "/api/v1/", secret, max_retries=0)
    admin = Client(live_server.url + "/api/v1/", issue_key(org, role=Role.ADMIN, name="contract admin"), max_retries=0)
    ids = seed(account, acorn, admin)
    schema = schemathesis.openapi.from_path(SCHEMA_PATH)
    headers = {"Authorization": f"Bearer {secret}"}
    failures: list[str] = []
    seen: set[tuple[str, str]] = set()
    calls = 0

    def check(case):
        nonlocal calls
        calls += 1
        response = case.call(base_url=live_server.url, headers=headers, timeout=30)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except BaseExceptionGroup as group:  # schemathesis' FailureGroup: one per failed check
            for failure in group.exceptions:
                key = (case.operation.label, type(failure).__name__ + str(getattr(failure, "title", "")))
                if key not in seen:
                    seen.add(key)
                    failures.append(describe(case, response, f"{getattr(failure, 'title', '')} {failure}"))
        except AssertionError as failure:
            failures.append(describe(case, response, failure))

    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20, "the committed schema lost operations"
    for operation in operations:
        for case in explicit_cases(operation, ids):
            check(case)

        @hypothesis_settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def generated(case):
            check(case)

        generated()
    elapsed = time.monotonic() - started
    print(f"contract: {len(operations)} operations, {calls} calls in {elapsed:.1f}s")
    assert not failures, f"{len(failures)} contract failure(s):\n\n" + "\n\n".join(failures)
