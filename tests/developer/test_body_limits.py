"""Request body limits: a valid large bulk push is accepted, an oversized one is 413 before it is read,
a chunked one is counted as it arrives, and deep nesting is a 400."""

import io
import json

from django.test import override_settings

from developer.api.limits import RequestBodyLimitMiddleware
from refunds.models import Shipment
from tests.developer.test_documents import SHIPMENTS, shipment

IMPORTS = "/api/v1/imports/"


def twenty_line_shipment(number: int) -> dict:
    items = [
        {"item_sequence_number": str(n), "po_number": f"PO{number:05d}", "asin": f"B{n:09d}", "shipped_quantity": 12,
         "vendor_sku": f"SKU-{number:05d}-{n:03d}-LONG-DESCRIPTIVE-CODE", "unit": "Eaches", "unit_size": 1}
        for n in range(1, 21)
    ]  # fmt: skip
    return shipment(f"ASN-{number:05d}", items=items, cartons=[])


class Unreadable(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def test_a_valid_bulk_push_of_500_shipments_with_20_lines_is_accepted(api, account):
    body = {"account": account.pk, "items": [twenty_line_shipment(n) for n in range(500)]}
    encoded = json.dumps(body, indent=4)  # as an ERP's serialiser may send it
    assert len(encoded) > 3.2 * 1024 * 1024
    # The Python client sends an Idempotency-Key with every POST; its check hashes the whole body.
    response = api.generic("POST", SHIPMENTS, encoded, content_type="application/json", HTTP_IDEMPOTENCY_KEY="bulk-1")
    assert response.status_code == 200, response.content[:500]
    assert response.json()["counts"]["created"] == 500
    assert Shipment.objects.filter(account=account).count() == 500


@override_settings(ACORN_API_MAX_BULK_BODY_BYTES=4 * 1024 * 1024)
def test_an_oversized_body_is_refused_with_413_from_its_content_length(api, account):
    response = api.generic(
        "POST",
        SHIPMENTS,
        content_type="application/json",
        CONTENT_LENGTH=str(4 * 1024 * 1024 + 1),
        **{"wsgi.input": Unreadable()},
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/payload-too-large") and problem["max_bytes"] == 4 * 1024 * 1024
    assert "4,194,304 bytes" in problem["detail"]


def test_ordinary_endpoints_have_a_smaller_limit_than_bulk_pushes(api, account):
    big = 2 * 1024 * 1024
    webhooks = api.generic("POST", "/api/v1/webhooks/", "{}", content_type="application/json", CONTENT_LENGTH=str(big))
    assert webhooks.status_code == 413
    # The same size on a bulk push is read and answered on its merits.
    bulk = api.post(SHIPMENTS, {"account": account.pk, "items": [], "pad": "x" * big}, format="json")
    assert bulk.status_code == 400 and bulk.json()["errors"] == {"items": ["Give a non-empty list of items."]}


@override_settings(ACORN_IMPORT_MAX_BYTES=1000)
def test_an_import_upload_over_the_file_limit_is_refused_before_reading(api, account):
    response = api.generic(
        "POST",
        IMPORTS,
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(1000 + 65 * 1024),
        **{"wsgi.input": Unreadable()},
    )
    assert response.status_code == 413


def chunked_request(rf, body: bytes):
    request = rf.post(SHIPMENTS, content_type="application/json")
    del request.META["CONTENT_LENGTH"]
    request.META["HTTP_TRANSFER_ENCODING"] = "chunked"
    request.META["wsgi.input"] = io.BytesIO(body)
    return request


class _View:
    max_body_bytes = 100


def _view():
    pass


_view.cls = _View


def test_a_chunked_body_is_counted_as_it_arrives_and_given_a_length(rf):
    middleware = RequestBodyLimitMiddleware(lambda request: None)
    refused = middleware.process_view(chunked_request(rf, b"[" + b"1," * 100 + b"1]"), _view, (), {})
    assert refused.status_code == 413
    request = chunked_request(rf, b'{"a": 1}')
    assert middleware.process_view(request, _view, (), {}) is None
    assert request.META["CONTENT_LENGTH"] == "8" and request.body == b'{"a": 1}'


def test_deeply_nested_json_is_a_400_not_a_500(api, account):
    response = api.generic("POST", SHIPMENTS, "[" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert "nested more than 1024 levels" in response.json()["detail"]
    broken = api.generic("POST", SHIPMENTS, '{"account": ', content_type="application/json")
    assert broken.status_code == 400 and broken.json()["detail"].startswith("JSON parse error")
