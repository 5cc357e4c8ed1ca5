"""Single sign-on per organization against a real OpenID provider on 127.0.0.1 (oidc-provider-mock)."""

from urllib.parse import urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from oidc_provider_mock import User as IdpUser

from acorn_portal.models import AuditAction, AuditEvent, Membership
from acorn_portal.models_people import OrganizationSSO
from acorn_portal.roles import Role
from acorn_portal.services import sso
from tests.acorn_portal.oidc_idp import identity_provider
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def idp():
    users = [
        IdpUser(sub="carol-1", claims={"email": "carol@acme.example", "email_verified": True, "name": "Carol Jones"})
    ]
    with identity_provider(users) as url:
        yield url


def configure(client, admin, issuer, **extra):
    client.force_login(admin)
    data = {
        "issuer_url": issuer,
        "client_id": "acorn-acme",
        "client_secret": "idp-secret-value",
        "default_role": Role.FINANCE,
        "enabled": "on",
        **extra,
    }
    response = client.post("/account/sso/settings/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()


def sign_in_through_idp(client, slug: str, sub: str):
    """The browser's round trip, with the provider's authorization page answered by `sub`."""
    page = client.get(f"/account/sso/{slug}/")
    assert page.status_code == 200 and b"sso-continue" in page.content
    response = client.post(f"/accounts/oidc/org-{slug}/login/")
    assert response.status_code == 302, response.content[:500]
    authorize = response.url
    assert authorize.startswith("http://127.0.0.1:")
    answer = requests.post(authorize, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:500]
    back = urlsplit(answer.headers["Location"])
    return client.get(f"{back.path}?{back.query}")


def test_sso_sign_in_creates_the_person_and_a_membership_in_the_chosen_role(client, org, org_admin, idp):
    configure(client, org_admin, idp)
    sso_row = OrganizationSSO.objects.get(organization=org)
    assert sso_row.app.secret == "idp-secret-value" and sso_row.app.provider_id == "org-acme"

    response = sign_in_through_idp(client, "acme", "carol-1")
    assert response.status_code == 302, response.content[:1000]
    carol = get_user_model().objects.get(email="carol@acme.example")
    assert Membership.objects.get(user=carol, organization=org).role == Role.FINANCE
    assert AuditEvent.objects.filter(action=AuditAction.JOINED, organization=org, detail__via="single sign-on").exists()
    # Signed in: the portal opens (finance needs no second factor).
    assert client.get("/account/start/").status_code == 200

    # A second sign-in finds the same person and keeps their role.
    client.logout()
    Membership.objects.filter(user=carol).update(role=Role.LEGAL)
    sign_in_through_idp(client, "acme", "carol-1")
    assert get_user_model().objects.filter(email="carol@acme.example").count() == 1
    assert Membership.objects.get(user=carol).role == Role.LEGAL


def test_the_secret_is_write_only_and_kept_when_left_empty(client, org, org_admin, idp):
    configure(client, org_admin, idp)
    client.force_login(org_admin)
    page = client.get("/account/sso/settings/").content.decode()
    assert "idp-secret-value" not in page and "/accounts/oidc/org-acme/login/callback/" in page
    client.post(
        "/account/sso/settings/",
        {"issuer_url": idp, "client_id": "acorn-acme-2", "client_secret": "", "default_role": Role.OPERATIONS},
    )
    app = OrganizationSSO.objects.get(organization=org).app
    assert app.client_id == "acorn-acme-2" and app.secret == "idp-secret-value"
    assert "idp-secret-value" not in str(list(AuditEvent.objects.values_list("detail", flat=True)))


def test_required_sso_refuses_passwords_for_members_only(client, org, org_admin, ops, other_org, outsider, idp):
    configure(client, org_admin, idp, require_sso="on")
    response = client.post("/admin/login/", {"username": ops.username, "password": PASSWORD})
    assert b"requires single sign-on" in response.content
    assert "_auth_user_id" not in client.session
    # Another organization's people still sign in with their password.
    client.post("/admin/login/", {"username": outsider.username, "password": PASSWORD})
    assert client.session.get("_auth_user_id") == str(outsider.pk)
    assert sso.password_refused_for(outsider) == ""


def test_an_unknown_organization_or_a_provider_that_is_down_is_explained(client, org, org_admin):
    assert b"No organization with single sign-on" in client.post("/account/sso/", {"organization": "nope"}).content
    client.force_login(org_admin)
    data = {"issuer_url": "http://127.0.0.1:9", "client_id": "c", "client_secret": "s", "default_role": Role.OPERATIONS}
    response = client.post("/account/sso/settings/", data, follow=True)  # nothing listens on the discard port
    assert b"did not answer" in response.content
    client.logout()
    response = client.post("/accounts/oidc/org-acme/login/")
    assert response.status_code == 200 and b"could not be reached" in response.content
    assert not client.session.get("_auth_user_id")


def test_another_organizations_admin_cannot_read_or_change_our_sso(client, org, org_admin, outsider, idp):
    configure(client, org_admin, idp)
    client.force_login(outsider)
    page = client.get("/account/sso/settings/").content.decode()
    assert "acorn-acme" not in page and "org-acme" not in page
    client.post(
        "/account/sso/settings/",
        {"issuer_url": idp, "client_id": "rival", "client_secret": "x", "default_role": Role.ADMIN},
    )
    ours = OrganizationSSO.objects.get(organization=org)
    assert ours.app.client_id == "acorn-acme" and ours.default_role == Role.FINANCE
    with pytest.raises(Exception, match="Only an admin"):
        sso.configure_sso(
            actor=outsider,
            organization=org,
            issuer_url=idp,
            client_id="x",
            client_secret="y",
            default_role=Role.ADMIN,
            require_sso=True,
        )


def test_a_provider_cannot_sign_in_to_an_existing_account_by_claiming_its_email(client, org, org_admin, outsider, idp):
    """An organization's admin controls its provider: an e-mail it claims never opens someone's account."""
    outsider.email = "carol@acme.example"  # the provider's user claims this address
    outsider.save()
    configure(client, org_admin, idp)
    response = sign_in_through_idp(client, "acme", "carol-1")
    assert client.session.get("_auth_user_id") != str(outsider.pk)
    assert not Membership.objects.filter(user=outsider, organization=org).exists()
    # Instead of allauth's sign-up form, a sentence saying what to do.
    assert response.status_code == 302 and response.url == "/accounts/signup/"
    page = client.get(response.url)
    assert page.status_code == 200 and b"already belongs to an ACORN account" in page.content
    assert not get_user_model().objects.filter(email="carol@acme.example").exclude(pk=outsider.pk).exists()


def test_a_denied_sign_in_and_the_error_pages_say_what_happened(client, org, org_admin, idp):
    configure(client, org_admin, idp)
    client.post("/account/sso/acme/")
    response = client.post("/accounts/oidc/org-acme/login/")
    answer = requests.post(response.url, data={"action": "deny"}, allow_redirects=False, timeout=10)
    back = urlsplit(answer.headers["Location"])
    page = client.get(f"{back.path}?{back.query}", follow=True)
    # allauth answers 401 with its error page, which ours replaces (allauth's links to pages not served).
    assert page.status_code == 401 and not client.session.get("_auth_user_id")
    assert b"did not complete" in page.content
    assert b"did not complete" in client.get("/accounts/login/error/").content  # allauth redirects some errors here
    assert b"cancelled the sign-in" in client.get("/accounts/login/cancelled/").content
