"""SAML 2.0 single sign-on per organization against a real SAML identity provider on 127.0.0.1.

The IdP (tests/acorn_portal/saml_idp.py) signs its answers with a key made at test time; ACORN checks
them with python3-saml through django-allauth, so every refusal below is a real check failing.
"""

from urllib.parse import urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialApp
from django.contrib.auth import get_user_model

from acorn_portal.models import AuditAction, AuditEvent, Membership
from acorn_portal.models_people import OrganizationSSO
from acorn_portal.roles import Role
from acorn_portal.services import sso
from tests.acorn_portal.saml_idp import EMAIL_ATTRIBUTE, form_fields, make_key_and_certificate, saml_identity_provider
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

USERS = {
    "carol": {EMAIL_ATTRIBUTE: "carol@acme.example", "givenName": "Carol", "sn": "Jones"},
    "rick": {EMAIL_ATTRIBUTE: "rick@rival.example", "givenName": "Rick", "sn": "Rivera"},
}


@pytest.fixture
def client():
    """A client that sends a Host header, as browsers do (python3-saml builds the expected URLs from it)."""
    from django.test import Client

    return Client(HTTP_HOST="testserver")


@pytest.fixture
def idp():
    with saml_identity_provider(USERS) as provider:
        yield provider


@pytest.fixture
def rival_idp():
    with saml_identity_provider(USERS) as provider:
        yield provider


def saml_form(idp, **extra):
    return {
        "protocol": "saml",
        "saml_entity_id": idp.entity_id,
        "saml_sso_url": idp.sso_url,
        "saml_certificate": idp.certificate_pem,
        "saml_first_name_attribute": "givenName",
        "saml_last_name_attribute": "sn",
        "default_role": Role.FINANCE,
        "enabled": "on",
        **extra,
    }


def configure(client, admin, idp, **extra):
    client.force_login(admin)
    response = client.post("/account/sso/settings/", saml_form(idp, **extra))
    assert response.status_code == 302, response.content.decode()[:3000]
    client.logout()


def start_sign_in(client, slug: str, idp) -> str:
    """Our sign-in page's button: returns the IdP URL (HTTP-Redirect binding) the browser is sent to."""
    page = client.get(f"/account/sso/{slug}/")
    assert page.status_code == 200 and b"sso-continue" in page.content
    response = client.post(f"/accounts/saml/{slug}/login/")
    assert response.status_code == 302, response.content[:500]
    assert response.url.startswith(idp.sso_url + "?SAMLRequest=")
    return response.url


def answer(client, redirect_url: str, user: str, *, answered_by=None):
    """The IdP signs `user` in (over HTTP); the browser POSTs its answer to our ACS and follows to the finish."""
    query = urlsplit(redirect_url).query
    target = answered_by.sso_url if answered_by else redirect_url.split("?")[0]
    page = requests.get(f"{target}?{query}&user={user}", timeout=10)
    assert page.status_code == 200, page.text[:500]
    fields = form_fields(page.text)
    acs = urlsplit(fields.pop("action"))
    response = client.post(acs.path, fields)
    assert response.status_code == 302, response.content[:500]
    return client.get(response.url), fields


def sign_in(client, slug, idp, user):
    return answer(client, start_sign_in(client, slug, idp), user)[0]


def signed_in(client) -> bool:
    return bool(client.session.get("_auth_user_id"))


def test_saml_sign_in_creates_the_person_and_a_membership_in_the_chosen_role(client, org, org_admin, idp):
    configure(client, org_admin, idp)
    row = OrganizationSSO.objects.select_related("app").get(organization=org)
    assert (row.app.provider, row.app.provider_id, row.app.client_id) == ("saml", "saml-acme", "acme")
    assert "BEGIN" not in row.app.settings["idp"]["x509cert"]  # stored as python3-saml reads it

    response = sign_in(client, "acme", idp, "carol")
    assert response.status_code == 302, response.content[:2000]
    carol = get_user_model().objects.get(email="carol@acme.example")
    assert (carol.first_name, carol.last_name) == ("Carol", "Jones")
    assert Membership.objects.get(user=carol, organization=org).role == Role.FINANCE
    assert AuditEvent.objects.filter(action=AuditAction.JOINED, organization=org, detail__via="single sign-on").exists()
    assert client.get("/account/start/").status_code == 200

    # A second sign-in finds the same person and keeps their role.
    client.logout()
    Membership.objects.filter(user=carol).update(role=Role.LEGAL)
    assert sign_in(client, "acme", idp, "carol").status_code == 302
    assert get_user_model().objects.filter(email="carol@acme.example").count() == 1
    assert Membership.objects.get(user=carol).role == Role.LEGAL


def test_the_settings_page_shows_what_the_idp_needs_and_the_sp_metadata_is_served(client, org, org_admin, idp):
    configure(client, org_admin, idp)
    client.force_login(org_admin)
    page = client.get("/account/sso/settings/").content.decode()
    assert "http://testserver/accounts/saml/acme/metadata/" in page
    assert "http://testserver/accounts/saml/acme/acs/" in page
    assert idp.entity_id in page and 'value="saml" checked' in page.replace(' id="id_protocol_1"', "")
    client.logout()
    metadata = client.get("/accounts/saml/acme/metadata/")
    assert metadata.status_code == 200 and metadata["Content-Type"].startswith("text/xml")
    assert b'entityID="http://testserver/accounts/saml/acme/metadata/"' in metadata.content
    assert b'Location="http://testserver/accounts/saml/acme/acs/"' in metadata.content
    assert client.get("/accounts/saml/nobody/metadata/").status_code == 404


def test_the_idp_metadata_url_fills_in_entity_id_sso_url_and_certificate(client, org, org_admin, idp):
    configure(
        client,
        org_admin,
        idp,
        saml_metadata_url=f"{idp.url}/metadata",
        saml_entity_id="",
        saml_sso_url="",
        saml_certificate="",
    )
    stored = OrganizationSSO.objects.get(organization=org).app.settings
    assert stored["idp"]["entity_id"] == idp.entity_id and stored["idp"]["sso_url"] == idp.sso_url
    assert stored["idp"]["x509cert"] in idp.certificate_pem.replace("\n", "")
    assert sign_in(client, "acme", idp, "carol").status_code == 302
    assert Membership.objects.filter(user__email="carol@acme.example", organization=org).exists()


def test_a_bad_certificate_or_metadata_url_is_a_sentence_not_a_traceback(client, org, org_admin, idp):
    client.force_login(org_admin)

    def errors_for(**extra):
        response = client.post("/account/sso/settings/", saml_form(idp, **extra))
        assert response.status_code == 200
        return response.content.decode()

    assert "This is not an X.509 certificate" in errors_for(saml_certificate="-----BEGIN CERTIFICATE-----\nnope")
    key_pem, _certificate = make_key_and_certificate()
    assert "This is a private key" in errors_for(saml_certificate=key_pem)
    assert "This field is required" in errors_for(saml_entity_id="")
    page = errors_for(saml_metadata_url=f"{idp.url}/nothing-here", saml_certificate="")
    assert "did not answer" in page
    page = errors_for(saml_metadata_url="http://127.0.0.1:9/metadata")  # nothing listens on the discard port
    assert "did not answer" in page
    assert not OrganizationSSO.objects.filter(organization=org).exists()


def test_an_answer_signed_with_another_key_or_unsigned_is_refused(client, org, org_admin, idp):
    configure(client, org_admin, idp)
    impostor_key, impostor_certificate = make_key_and_certificate("Impostor")
    for overrides in ({"key_pem": impostor_key, "certificate_pem": impostor_certificate}, {"unsigned": True}):
        idp.answer_with(**overrides)
        page = sign_in(client, "acme", idp, "carol")
        assert page.status_code == 401 and not signed_in(client)
        assert b"not signed with the certificate configured" in page.content
    assert not get_user_model().objects.filter(email="carol@acme.example").exists()


def test_an_answer_for_another_audience_is_refused(client, org, org_admin, idp):
    configure(client, org_admin, idp)
    idp.answer_with(audience="https://another-service.example/saml")
    page = sign_in(client, "acme", idp, "carol")
    assert page.status_code == 401 and not signed_in(client)
    assert b"meant for another service" in page.content


def test_another_organizations_idp_cannot_sign_in_to_ours(client, org, org_admin, other_org, outsider, idp, rival_idp):
    configure(client, org_admin, idp)
    configure(client, outsider, rival_idp)
    # The rival IdP answers our sign-in request with its own issuer and key.
    page, _fields = answer(client, start_sign_in(client, "acme", idp), "carol", answered_by=rival_idp)
    assert page.status_code == 401 and b"came from an identity provider other than" in page.content
    # Claiming our IdP's entity id does not help: the signature is the rival's.
    rival_idp.answer_with(issuer=idp.entity_id)
    page, _fields = answer(client, start_sign_in(client, "acme", idp), "carol", answered_by=rival_idp)
    assert page.status_code == 401 and b"not signed with the certificate configured" in page.content
    assert not signed_in(client)
    assert not Membership.objects.filter(user__email="carol@acme.example").exists()


def test_a_sign_in_for_one_organization_never_joins_another(client, org, org_admin, other_org, outsider, idp):
    configure(client, org_admin, idp)
    configure(client, outsider, idp)  # both organizations trust the same IdP
    assert sign_in(client, "acme", idp, "carol").status_code == 302
    carol = get_user_model().objects.get(email="carol@acme.example")
    assert list(Membership.objects.filter(user=carol).values_list("organization__slug", flat=True)) == ["acme"]
    client.logout()

    # An answer to a sign-in at acme, posted to rival's ACS, is refused there.
    redirect_url = start_sign_in(client, "acme", idp)
    page = requests.get(f"{redirect_url}&user=rick", timeout=10).text
    fields = form_fields(page)
    fields.pop("action")
    response = client.post("/accounts/saml/rival/acs/", fields)
    page = client.get(response.url)
    assert page.status_code == 401 and not signed_in(client)
    assert not get_user_model().objects.filter(email="rick@rival.example").exists()
    assert not Membership.objects.filter(organization=other_org).exclude(user=outsider).exists()


def test_a_replayed_answer_is_refused(client, org, org_admin, idp):
    configure(client, org_admin, idp)
    first, fields = answer(client, start_sign_in(client, "acme", idp), "carol")
    assert first.status_code == 302 and signed_in(client)
    client.logout()
    response = client.post("/accounts/saml/acme/acs/", fields)
    page = client.get(response.url)
    assert page.status_code == 401 and b"used already" in page.content and not signed_in(client)


def test_another_organizations_admin_cannot_read_or_change_our_saml_settings(client, org, org_admin, outsider, idp):
    configure(client, org_admin, idp)
    client.force_login(outsider)
    page = client.get("/account/sso/settings/").content.decode()
    assert idp.entity_id not in page and "/saml/acme/" not in page and "/saml/rival/" in page
    client.post("/account/sso/settings/", saml_form(idp, saml_entity_id="https://rival.example/idp"))
    ours = OrganizationSSO.objects.select_related("app").get(organization=org)
    assert ours.app.settings["idp"]["entity_id"] == idp.entity_id and ours.default_role == Role.FINANCE
    assert OrganizationSSO.objects.get(organization__slug="rival").app.settings["idp"]["entity_id"] == (
        "https://rival.example/idp"
    )
    with pytest.raises(Exception, match="Only an admin"):
        sso.configure_saml(
            actor=outsider,
            organization=org,
            entity_id="x",
            sso_url=idp.sso_url,
            x509cert=idp.certificate_pem,
            default_role=Role.ADMIN,
            require_sso=True,
        )


def test_required_saml_refuses_passwords_and_switching_off_stops_sign_in(client, org, org_admin, ops, idp):
    configure(client, org_admin, idp, require_sso="on")
    response = client.post("/admin/login/", {"username": ops.username, "password": PASSWORD})
    assert b"requires single sign-on" in response.content and not signed_in(client)

    configure(client, org_admin, idp, enabled="")
    assert b"sso-continue" not in client.get("/account/sso/acme/").content
    response = client.post("/accounts/saml/acme/login/")  # a bookmarked button still reaches the IdP
    page, _fields = answer(client, response.url, "carol")
    assert page.status_code == 401 and b"switched off" in page.content and not signed_in(client)


def test_switching_protocol_replaces_the_provider(client, org, org_admin, idp):
    client.force_login(org_admin)
    oidc = {"issuer_url": "http://127.0.0.1:9", "client_id": "c", "client_secret": "s", "default_role": Role.OPERATIONS}
    client.post("/account/sso/settings/", oidc)
    old_app = OrganizationSSO.objects.get(organization=org).app_id
    client.logout()
    configure(client, org_admin, idp)
    row = OrganizationSSO.objects.select_related("app").get(organization=org)
    assert row.app.provider == "saml" and not SocialApp.objects.filter(pk=old_app).exists()
    assert AuditEvent.objects.filter(action=AuditAction.SSO_CHANGED, detail__protocol="saml").exists()
    # Back to OpenID Connect: a client secret is needed again.
    client.force_login(org_admin)
    response = client.post("/account/sso/settings/", {**oidc, "client_secret": ""})
    assert response.status_code == 200 and b"Give the client secret" in response.content
