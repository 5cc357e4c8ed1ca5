"""The committed OpenAPI schema is what the code generates; regenerate with `make schema`."""

import re
from pathlib import Path

import yaml
from django.core.management import call_command

SCHEMA = Path(__file__).resolve().parents[2] / "developer" / "openapi.yaml"


def test_committed_schema_matches_the_code(tmp_path):
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(generated))
    assert yaml.safe_load(generated.read_text()) == yaml.safe_load(SCHEMA.read_text()), (
        "developer/openapi.yaml is out of date: run `make schema` and commit the file."
    )


def test_schema_documents_bearer_keys_and_problems(client, db):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["components"]["securitySchemes"]["ApiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "<prefix>.<secret>",
        "description": schema["components"]["securitySchemes"]["ApiKey"]["description"],
    }
    listing = schema["paths"]["/api/v1/chargebacks/"]["get"]
    assert listing["security"] == [{"OAuth2": ["chargebacks:read"]}, {"ApiKey": []}]
    flow = schema["components"]["securitySchemes"]["OAuth2"]["flows"]["authorizationCode"]
    assert flow["authorizationUrl"] == "/oauth/authorize/" and flow["tokenUrl"] == "/oauth/token/"
    assert "ledger:read" in flow["scopes"]
    assert listing["responses"]["401"]["content"] == {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
    }
    assert "X-Request-ID" in listing["responses"]["200"]["headers"]
    post = schema["paths"]["/api/v1/chargebacks/{id}/transitions/{name}/"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in post["parameters"]]


def test_docs_page_serves_assets_from_our_static_files(client, db):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()
    # Every script has a src (the Content Security Policy allows no inline script), and the start-up
    # script it names is served as JavaScript.
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all("src=" in attributes for attributes in scripts)
    start_up = re.search(r'<script src="([^"]*\?[^"]*script[^"]*)"', html).group(1).replace("&amp;", "&")
    script = client.get(start_up)
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
