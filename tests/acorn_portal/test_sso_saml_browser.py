"""SAML 2.0 sign-in in a real headless Chromium: ACORN's sign-in page, the local IdP's page, its
auto-posted signed answer to our ACS, and a new membership in the organization's chosen role."""

import os

import pytest
from django.contrib.auth import get_user_model

from acorn_portal.models import Membership
from acorn_portal.roles import Role
from acorn_portal.services import sso
from tests.acorn_portal.saml_idp import EMAIL_ATTRIBUTE, saml_identity_provider
from tests.acorn_portal.test_onboarding_browser import CHROMIUM, browser, click, new_page  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.real_2fa,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"browser tests need Chromium at {CHROMIUM}"),
]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_saml_sign_in_through_a_local_identity_provider_creates_a_membership(browser, live_server, org, org_admin):  # noqa: F811
    users = {"carol": {EMAIL_ATTRIBUTE: "carol@acme.example", "givenName": "Carol"}}
    with saml_identity_provider(users) as idp:
        sso.configure_saml(
            actor=get_user_model().objects.get(pk=org_admin.pk),
            organization=org,
            entity_id=idp.entity_id,
            sso_url=idp.sso_url,
            x509cert=idp.certificate_pem,
            first_name_attribute="givenName",
            default_role=Role.FINANCE,
            require_sso=True,
        )
        page = new_page(browser)
        page.goto(f"{live_server.url}/admin/login/")
        click(page, "#link-sso")
        page.fill("#id_organization", "acme")
        click(page, "input[type=submit]")
        click(page, "#sso-continue")
        assert page.url.startswith(idp.sso_url)  # the IdP's own sign-in page
        page.fill("#idp-user", "carol")
        page.click("#idp-sign-in")  # its answer posts itself to our ACS
        page.wait_for_selector("#user-tools")
        carol = get_user_model().objects.get(email="carol@acme.example")
        assert carol.first_name == "Carol"
        assert Membership.objects.get(user=carol, organization=org).role == Role.FINANCE
        assert idp.requests_seen[-1]["acs"] == f"{live_server.url}/accounts/saml/acme/acs/"
        page.goto(f"{live_server.url}/account/start/")
        assert "Acme Brands" in page.inner_text("#getting-started")
