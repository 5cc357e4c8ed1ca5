"""The Python client with OAuth tokens against a live server: the code + PKCE exchange, API calls with
the access token, a refresh when it expires, and a clear error once the app's access is revoked."""

from urllib.parse import parse_qs, urlsplit

import pytest
from acorn_client import AuthenticationError, Client, authorization_url, exchange_code, pkce_pair
from django.test import Client as BrowserClient

from acorn_portal.roles import Role
from developer.models import AppAuthorization
from developer.services.oauth import register_app, revoke_authorization
from tests.refunds.cases import make_chargeback

REDIRECT = "http://127.0.0.1:8765/cb"


@pytest.fixture
def app(org, org_admin):
    registered, _ = register_app(
        organization=org, name="Ledgerly", redirect_uris=REDIRECT, confidential=False, registered_by=org_admin
    )
    return registered.application


def allow(org_admin, org, url):
    """The admin's browser on the consent page: the code ACORN sends back to the app."""
    browser = BrowserClient()
    browser.force_login(org_admin)
    path = url[url.index("/oauth/") :]
    answer = browser.post(
        path, {"organization": org.pk, "role": Role.ADMIN, "grant_scopes": ["chargebacks:read"], "allow": "1"}
    )
    assert answer.status_code == 302, answer.content
    return parse_qs(urlsplit(answer["Location"]).query)["code"][0]


def test_client_with_oauth_tokens_calls_refreshes_and_reports_revocation(live_server, app, org, org_admin, account):
    case = make_chargeback(account)
    verifier, challenge = pkce_pair()
    url = authorization_url(
        live_server.url, app.client_id, REDIRECT, ["chargebacks:read"], state="s", code_challenge=challenge
    )
    code = allow(org_admin, org, url)
    saved = []
    tokens = exchange_code(live_server.url, app.client_id, code, REDIRECT, verifier, on_refresh=saved.append)
    assert tokens.access_token.startswith("acorn_at_") and tokens.scope == "chargebacks:read"

    acorn = Client(live_server.url + "/api/v1/", oauth=tokens, max_retries=0)
    assert [c.id for c in acorn.chargebacks.list()] == [case.pk]

    first_refresh = tokens.refresh_token
    tokens.expires_at = tokens.clock() - 1  # as if an hour had passed: the client refreshes before calling
    assert [c.id for c in acorn.chargebacks.list()] == [case.pk]
    assert saved == [tokens] and tokens.refresh_token != first_refresh

    revoke_authorization(authorization=AppAuthorization.objects.get(), actor=org_admin)
    with pytest.raises(AuthenticationError) as refused:
        list(acorn.chargebacks.list())
    assert "invalid_grant" in refused.value.type


def test_client_takes_a_key_or_tokens_not_both():
    with pytest.raises(ValueError):
        Client("https://acorn.example.com/api/v1/")
