"""`GET /api/v1/me/`: the key's organization, role and scopes, for any valid key."""

from acorn_portal.roles import Role
from developer.scopes import Scope
from tests.developer.conftest import client_for, make_key


def test_me_names_the_keys_organization_role_and_scopes(org):
    key, secret = make_key(org, scopes=[Scope.LEDGER_READ], role=Role.FINANCE, name="Ledger sync")
    response = client_for(secret).get("/api/v1/me/")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "organization": {"id": org.pk, "name": org.name},
        "key": {"prefix": key.prefix, "name": "Ledger sync", "expires_at": None},
        "role": "finance",
        "scopes": ["ledger:read"],
    }
    assert response["RateLimit-Limit"]


def test_me_needs_a_valid_key(client):
    assert client.get("/api/v1/me/").status_code == 401
