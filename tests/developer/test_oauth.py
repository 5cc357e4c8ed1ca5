"""OAuth 2.0 for third-party apps, over HTTP: register, consent, code + PKCE, API calls, refresh, revocation.

The token must be the same principal a key is: one organization, the approved role and scopes, the
same throttle bucket and audit attribution, and the person who approved recorded behind it.
"""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client
from oauth2_provider.models import AccessToken, RefreshToken

from acorn_portal.roles import Role
from developer.models import AppAuthorization, RegisteredApp
from developer.services.oauth import allowed_roles, register_app
from tests.conftest import make_member
from tests.refunds.cases import make_chargeback

REDIRECT = "http://127.0.0.1:8123/callback"
LIST = "/api/v1/chargebacks/"


def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_url(client_id, challenge, scope="chargebacks:read chargebacks:write", state="st-1", **extra):
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": scope,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    return "/oauth/authorize/?" + urlencode(params)


def query_of(location):
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


@pytest.fixture
def app(org, org_admin):
    registered, _ = register_app(
        organization=org, name="Ledgerly ERP", redirect_uris=REDIRECT, confidential=False, registered_by=org_admin
    )
    return registered.application


@pytest.fixture
def browser(org_admin):
    client = Client()
    client.force_login(org_admin)
    return client


def consent(browser, app, org, *, role=Role.ADMIN, scopes=("chargebacks:read",), requested=None):
    """Walk the consent page and exchange the code: the token response as JSON."""
    verifier, challenge = pkce_pair()
    url = authorize_url(app.client_id, challenge, **({"scope": requested} if requested else {}))
    page = browser.get(url)
    assert page.status_code == 200, page.content
    answer = browser.post(url, {"organization": org.pk, "role": role, "grant_scopes": list(scopes), "allow": "Allow"})
    assert answer.status_code == 302, answer.content
    params = query_of(answer["Location"])
    assert answer["Location"].startswith(REDIRECT) and params["state"] == "st-1"
    token = Client().post(
        "/oauth/token/",
        {
            "grant_type": "authorization_code",
            "code": params["code"],
            "redirect_uri": REDIRECT,
            "client_id": app.client_id,
            "code_verifier": verifier,
        },
    )
    assert token.status_code == 200, token.content
    return token.json()


def bearer(token):
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_full_flow_consent_code_pkce_call_refresh_and_revoke(browser, app, org, org_admin, account):
    case = make_chargeback(account)
    page = browser.get(authorize_url(app.client_id, pkce_pair()[1]))
    assert b"Ledgerly ERP" in page.content and b"chargebacks:write" in page.content

    tokens = consent(browser, app, org, scopes=["chargebacks:read", "chargebacks:write"])
    assert tokens["access_token"].startswith("acorn_at_") and tokens["refresh_token"].startswith("acorn_rt_")
    assert set(tokens["scope"].split()) == {"chargebacks:read", "chargebacks:write"}

    listed = bearer(tokens["access_token"]).get(LIST)
    assert listed.status_code == 200, listed.content
    assert [row["id"] for row in listed.json()["results"]] == [case.pk]

    # The app acts for the admin who allowed it: within its scopes, and never beyond that person's own
    # permissions (an admin configures; preparing a dispute is operations' work).
    moved = bearer(tokens["access_token"]).post(
        f"{LIST}{case.pk}/transitions/start_review/", "{}", content_type="application/json"
    )
    assert moved.status_code == 403, moved.content
    case.refresh_from_db()
    assert case.state == "new"
    authorization = AppAuthorization.objects.get()
    assert authorization.approved_by == org_admin and authorization.key.created_by == org_admin
    assert authorization.key.role == Role.ADMIN and authorization.key.last_used_at is not None

    refreshed = Client().post(
        "/oauth/token/",
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "client_id": app.client_id},
    )
    assert refreshed.status_code == 200, refreshed.content
    new = refreshed.json()
    assert bearer(new["access_token"]).get(LIST).status_code == 200
    assert bearer(tokens["access_token"]).get(LIST).status_code == 401  # the refresh replaced it

    # Revoked in the developer center: the token is refused at once, and cannot be refreshed.
    revoked = browser.post(
        "/admin/developer/appauthorization/",
        {"action": "revoke_authorizations", "_selected_action": [authorization.pk]},
    )
    assert revoked.status_code == 302
    refused = bearer(new["access_token"]).get(LIST)
    assert refused.status_code == 401 and refused["Content-Type"] == "application/problem+json"
    again = Client().post(
        "/oauth/token/",
        {"grant_type": "refresh_token", "refresh_token": new["refresh_token"], "client_id": app.client_id},
    )
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    authorization.refresh_from_db()
    assert authorization.revoked_at is not None and authorization.key.revoked


def test_scopes_the_admin_unticked_are_refused(browser, app, org, account):
    tokens = consent(browser, app, org, scopes=["chargebacks:read"])
    client = bearer(tokens["access_token"])
    assert client.get(LIST).status_code == 200
    refused = client.get("/api/v1/documents/purchase-orders/")
    assert refused.status_code == 403 and "documents:read" in refused.json()["detail"]
    case = make_chargeback(account)
    write = client.post(f"{LIST}{case.pk}/transitions/start_review/", "{}", content_type="application/json")
    assert write.status_code == 403 and "chargebacks:write" in write.json()["detail"]


def test_a_scope_the_app_did_not_ask_for_cannot_be_granted(browser, app, org):
    verifier, challenge = pkce_pair()
    url = authorize_url(app.client_id, challenge, scope="chargebacks:read")
    answer = browser.post(
        url, {"organization": org.pk, "role": Role.ADMIN, "grant_scopes": ["ledger:read"], "allow": "1"}
    )
    assert answer.status_code == 200 and not AppAuthorization.objects.exists()


def test_unknown_scope_goes_back_to_the_app_as_invalid_scope(browser, app):
    answer = browser.get(authorize_url(app.client_id, pkce_pair()[1], scope="everything"))
    assert answer.status_code == 302 and query_of(answer["Location"])["error"] == "invalid_scope"


def test_pkce_is_required(browser, app, org):
    url = "/oauth/authorize/?" + urlencode(
        {"response_type": "code", "client_id": app.client_id, "redirect_uri": REDIRECT, "scope": "chargebacks:read"}
    )
    answer = browser.get(url)
    assert answer.status_code == 302 and query_of(answer["Location"])["error"] == "invalid_request"


def test_a_wrong_verifier_gets_no_token(browser, app, org):
    _, challenge = pkce_pair()
    url = authorize_url(app.client_id, challenge)
    answer = browser.post(
        url, {"organization": org.pk, "role": Role.ADMIN, "grant_scopes": ["chargebacks:read"], "allow": "1"}
    )
    code = query_of(answer["Location"])["code"]
    token = Client().post(
        "/oauth/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": app.client_id,
            "code_verifier": pkce_pair()[0],
        },  # fmt: skip
    )
    assert token.status_code == 400 and token.json()["error"] == "invalid_grant"


def test_deny_sends_access_denied_and_an_unregistered_redirect_is_not_followed(browser, app):
    url = authorize_url(app.client_id, pkce_pair()[1])
    denied = browser.post(url, {"deny": "Deny"})
    assert denied.status_code == 302 and query_of(denied["Location"])["error"] == "access_denied"
    evil = browser.get(authorize_url(app.client_id, pkce_pair()[1], redirect_uri="https://evil.example/cb"))
    assert evil.status_code == 400 and not evil.has_header("Location")


def test_token_is_bound_to_its_organization(browser, app, org, other_org, account, other_account):
    mine, theirs = make_chargeback(account), make_chargeback(other_account)
    tokens = consent(browser, app, org)
    client = bearer(tokens["access_token"])
    assert [row["id"] for row in client.get(LIST).json()["results"]] == [mine.pk]
    assert client.get(f"{LIST}{theirs.pk}/").status_code == 404


def test_an_admin_cannot_allow_an_app_for_another_organization(browser, app, other_org):
    url = authorize_url(app.client_id, pkce_pair()[1])
    answer = browser.post(
        url, {"organization": other_org.pk, "role": Role.ADMIN, "grant_scopes": ["chargebacks:read"], "allow": "1"}
    )
    assert answer.status_code == 200 and b"organization" in answer.content
    assert not AppAuthorization.objects.exists()


def test_only_admins_may_allow_apps(app, manager):
    client = Client()
    client.force_login(manager)
    assert client.get(authorize_url(app.client_id, pkce_pair()[1])).status_code == 403


def test_the_consent_page_needs_a_signed_in_person(app):
    answer = Client().get(authorize_url(app.client_id, pkce_pair()[1]))
    assert answer.status_code == 302 and "/login/" in answer["Location"]


def test_roles_are_capped_by_the_approvers_own_permissions(org, manager, org_admin):
    # An admin configures but may not prepare or approve, so an app it allows may not either.
    assert allowed_roles(org_admin, org) == [Role.ADMIN]
    assert Role.ADMIN not in allowed_roles(manager, org)


def test_revoking_the_app_ends_every_approval_and_token(browser, app, org):
    tokens = consent(browser, app, org)
    registration = RegisteredApp.objects.get()
    answer = browser.post(
        "/admin/developer/registeredapp/", {"action": "revoke_apps", "_selected_action": [registration.pk]}
    )
    assert answer.status_code == 302
    assert bearer(tokens["access_token"]).get(LIST).status_code == 401
    assert not AccessToken.objects.exists() and not RefreshToken.objects.exists()
    assert browser.get(authorize_url(app.client_id, pkce_pair()[1])).status_code == 400  # an unknown client now


def test_the_app_revokes_its_own_token(browser, app, org):
    tokens = consent(browser, app, org)
    answer = Client().post("/oauth/revoke/", {"token": tokens["access_token"], "client_id": app.client_id})
    assert answer.status_code == 200
    assert bearer(tokens["access_token"]).get(LIST).status_code == 401


def test_an_admin_registers_an_app_in_the_developer_center_and_sees_its_client_id(browser, org):
    answer = browser.post(
        "/admin/developer/registeredapp/add/",
        {"organization": org.pk, "name": "Books", "redirect_uris": "https://books.example/cb", "confidential": "on"},
    )
    assert answer.status_code == 200, answer.content
    registration = RegisteredApp.objects.get()
    assert registration.application.client_id.encode() in answer.content
    assert b'id="oauth-client-secret"' in answer.content and "no-store" in answer["Cache-Control"]


def test_redirect_uris_must_be_https_or_loopback(browser, org):
    answer = browser.post(
        "/admin/developer/registeredapp/add/",
        {"organization": org.pk, "name": "Books", "redirect_uris": "http://books.example/cb"},
    )
    assert answer.status_code == 403 and not RegisteredApp.objects.exists()


def test_the_developer_center_shows_only_the_organizations_own_apps(org, other_org, org_admin):
    other_admin = make_member(other_org, "otto", Role.ADMIN)
    register_app(organization=org, name="Mine", redirect_uris=REDIRECT, confidential=False, registered_by=org_admin)
    register_app(
        organization=other_org, name="Theirs", redirect_uris=REDIRECT, confidential=False, registered_by=other_admin
    )
    client = Client()
    client.force_login(org_admin)
    page = client.get("/admin/developer/registeredapp/")
    assert b"Mine" in page.content and b"Theirs" not in page.content
    theirs = RegisteredApp.objects.get(organization=other_org)
    assert client.get(f"/admin/developer/registeredapp/{theirs.pk}/change/").status_code in (302, 404)
