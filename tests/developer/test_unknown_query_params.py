"""Lists answer 400 to a query parameter they do not document, listing the ones they accept."""

from pathlib import Path

import pytest
import yaml

from tests.developer.conftest import client_for, make_key
from tests.developer.webhooks import make_endpoint

pytestmark = pytest.mark.django_db

SCHEMA = Path(__file__).resolve().parents[2] / "developer" / "openapi.yaml"


def documented_lists() -> dict[str, set[str]]:
    """GET list operations of the committed OpenAPI description and their query parameters."""
    paths = yaml.safe_load(SCHEMA.read_text())["paths"]
    lists = {}
    for path, operations in paths.items():
        get = operations.get("get")
        if get is None or path == "/api/v1/me/":
            continue
        if "{" in path and not path.endswith("/deliveries/"):
            continue  # a detail or an object's own sub-resource, not a list
        lists[path] = {p["name"] for p in get.get("parameters", []) if p["in"] == "query"}
    return lists


@pytest.mark.parametrize(
    "path, typo, meant",
    [
        ("/api/v1/chargebacks/", "stat", "state"),
        ("/api/v1/documents/shipments/", "shipmentid", "shipment_id"),
        ("/api/v1/imports/", "updatedsince", "updated_since"),
        ("/api/v1/events/", "after_id", "after"),
        ("/api/v1/webhooks/", "page", "page_size"),
        ("/api/v1/ledger/exports/", "acknowleged", "acknowledged"),
    ],
)
def test_a_typo_is_a_problem_naming_what_the_list_accepts(admin_api, path, typo, meant):
    response = admin_api.get(path, {typo: "new"})
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    [invalid] = body["invalid_params"]
    assert invalid["name"] == typo and invalid["code"] == "unknown_parameter"
    assert meant in body["accepted_params"] and meant in invalid["reason"]
    assert typo in body["errors"]


def test_known_parameters_still_work_and_every_unknown_one_is_listed(admin_api):
    assert admin_api.get("/api/v1/chargebacks/", {"state": "new", "page_size": 5}).status_code == 200
    both = admin_api.get("/api/v1/chargebacks/?stat=new&pagesize=5&state=new").json()
    assert [item["name"] for item in both["invalid_params"]] == ["pagesize", "stat"]


def test_the_problem_text_is_translated(admin_api):
    response = admin_api.get("/api/v1/imports/", {"stat": "x"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert "可用" in response.json()["invalid_params"][0]["reason"]


def test_a_key_is_checked_before_its_parameters(client):
    assert client.get("/api/v1/chargebacks/?stat=new").status_code == 401


def test_every_list_accepts_exactly_what_its_description_documents(admin_api, org):
    endpoint, _ = make_endpoint(org, "https://erp.example.com/hooks")
    lists = documented_lists()
    assert len(lists) == 13  # every list of developer/api/urls.py
    for path, documented in lists.items():
        url = path.replace("{id}", str(endpoint.pk))
        response = admin_api.get(url, {"zz_unknown": "1"})
        assert response.status_code == 400, (path, response.content)
        assert set(response.json()["accepted_params"]) == documented, path


def test_another_organizations_key_gets_the_same_refusal_and_nothing_else(org, other_org):
    endpoint, _ = make_endpoint(org, "https://erp.example.com/hooks")
    from acorn_portal.roles import Role

    theirs = client_for(make_key(other_org, role=Role.ADMIN)[1])
    # Their deliveries list of our endpoint is 404 whatever the parameters; a bad parameter is 400 before it.
    assert theirs.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/").status_code == 404
    assert theirs.get("/api/v1/webhooks/", {"stat": "x"}).json()["accepted_params"] == [
        "cursor",
        "page_size",
        "updated_since",
    ]
