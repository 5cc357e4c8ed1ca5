"""From sign-up to first sync without a shell, in a real headless Chromium against the live server:
sign up, verify the e-mail (read from the test outbox), enrol two-factor, add a US account and an
SP-API source pointing at the simulator, test the connection, run the first sync, map a report's
headers checked against a sample file, invite an
operations user who signs in; and a single sign-on against an OpenID provider on 127.0.0.1.
"""

import os
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice
from oidc_provider_mock import User as IdpUser

from acorn_portal.models import Membership, VendorAccount
from acorn_portal.roles import Role
from acorn_portal.services import sso
from datasources.models import SyncRun, SyncStatus
from datasources.services.imports import column_mappings
from simulator.server import serve
from tests.acorn_portal.oidc_idp import identity_provider
from tests.datasources.simtools import sim_options
from tests.two_factor_helpers import totp_code

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.real_2fa,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"browser tests need Chromium at {CHROMIUM}"),
]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "northwind-first-admin-pass"
MAPPED_SAMPLE = "Ref,Chargeback Type,Gebühr,Issue Date,PO #\n77,Prep,5.00,03/04/2025,2JK3S9VC\n"


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def new_page(browser):
    page = browser.new_context(viewport={"width": 1300, "height": 1000}).new_page()
    page.set_default_timeout(30_000)
    return page


def click(page, selector):
    with page.expect_navigation():
        page.click(selector)


def link_in_last_mail(pattern: str) -> str:
    return re.search(pattern, mail.outbox[-1].body).group(0)


def step_done(page, key: str) -> bool:
    return page.get_attribute(f"#step-{key}", "data-done") == "yes"


@override_settings(ACORN_SIGNUP_OPEN=True)
def test_from_sign_up_to_first_sync_and_a_teammate(browser, live_server):
    page = new_page(browser)
    page.goto(f"{live_server.url}/admin/login/")
    click(page, "#link-signup")
    page.fill("#id_email", "jane@northwind.example")
    page.fill("#id_company_name", "Northwind Foods")
    page.fill("#id_contact_name", "Jane Doe")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    click(page, "#signup-submit")
    assert "jane@northwind.example" in page.inner_text("#signup-sent")

    # The link from the e-mail; following it (and confirming) creates the organization and signs in.
    page.goto(link_in_last_mail(r"http://\S+/account/signup/verify/\S+/"))
    click(page, "#verify-submit")
    assert "/account/two-factor/setup/" in page.url  # an admin enrols before anything else
    jane = get_user_model().objects.get(email="jane@northwind.example")
    device = TOTPDevice.objects.get(user=jane, confirmed=False)
    page.fill("#id_code", totp_code(device))
    click(page, "#confirm-setup")
    assert TOTPDevice.objects.filter(user=jane, confirmed=True).exists()

    page.goto(f"{live_server.url}/account/start/")
    assert step_done(page, "verify_email") and step_done(page, "two_factor")
    assert not step_done(page, "first_account")

    with serve(**sim_options()) as sim:
        click(page, "#step-first_account a")
        page.fill("#id_name", "Northwind US")
        page.select_option("#id_marketplace", "US")
        page.fill("#id_vendor_codes", "ACMEU")
        page.fill("#id_payment_terms_net_days", "60")
        click(page, "#account-save")
        assert VendorAccount.objects.get(name="Northwind US").payment_terms_net_days == 60
        assert "USD" in page.inner_text("ul.messagelist") and "America/Los_Angeles" in page.inner_text("ul.messagelist")

        page.fill("#id_name", "Amazon SP-API")
        page.fill("#id_app_id", "amzn1.sp.solution.northwind")
        page.fill("#id_client_id", "amzn1.application-oa2-client.northwind")
        page.fill("#id_client_secret", "lwa-client-secret")
        page.fill("#id_refresh_token", "sim-refresh-US")
        page.select_option("#id_region", "custom")
        page.fill("#id_endpoint", sim.base_url)
        page.fill("#id_token_url", f"{sim.base_url}/auth/o2/token")
        page.fill("#id_lookback_days", "290")
        click(page, "#source-save")
        assert page.inner_text("#source-secrets") == "set"
        assert "sim-refresh-US" not in page.content()

        click(page, "#test-connection")
        assert "Connected. LWA token obtained" in page.inner_text("ul.messagelist")

        click(page, "#start-sync")
        page.wait_for_selector("#sync-progress[data-status=succeeded]", timeout=120_000)
        progress = page.inner_text("#sync-progress")
        run = SyncRun.objects.get(account__name="Northwind US")
        assert run.status == SyncStatus.SUCCEEDED
        assert f"{run.pages} pages" in progress and "purchase_orders" in progress
        page.goto(f"{live_server.url}/status/")
        assert "Amazon SP-API" in page.content()

    # Their defect lists come with headers of their own: map them, checked against a sample first.
    page.goto(f"{live_server.url}/setup/")
    click(page, "#column-mappings")
    click(page, "#mappings-chargebacks")
    sample = {"name": "defects.csv", "mimeType": "text/csv", "buffer": MAPPED_SAMPLE.encode()}
    page.set_input_files("#id_sample", sample)
    click(page, "#mapping-preview")
    assert "Issue ID, Amount" in page.inner_text("#preview-missing")
    page.fill("#id_map-0-source_header", "Ref")
    page.select_option("#id_map-0-field", "amazon_id")
    page.fill("#id_map-1-source_header", "Gebühr")
    page.select_option("#id_map-1-field", "amount")
    page.set_input_files("#id_sample", sample)
    click(page, "#mapping-preview")
    assert page.is_visible("#preview-complete")
    click(page, "#mapping-save")
    assert column_mappings(jane.memberships.get().organization_id, "chargebacks") == {
        "Ref": "amazon_id",
        "Gebühr": "amount",
    }

    page.goto(f"{live_server.url}/account/start/")
    for key in ("first_account", "first_source", "first_sync"):
        assert step_done(page, key), key
    assert not step_done(page, "invite_team")

    # Invite an operations teammate, who accepts and signs in.
    click(page, "#step-invite_team a")
    page.fill("#id_email", "omar@northwind.example")
    page.select_option("#id_role", Role.OPERATIONS)
    click(page, "#invite-submit")
    assert "omar@northwind.example" in page.inner_text("#invitations-table")
    invitation_link = link_in_last_mail(r"http://\S+/account/join/\S+/")

    omar = new_page(browser)
    omar.goto(invitation_link)
    omar.fill("#id_password1", "omar-operations-pass")
    omar.fill("#id_password2", "omar-operations-pass")
    click(omar, "#join-submit")
    assert "Northwind Foods" in omar.inner_text("#getting-started")
    click(omar, "#logout-form button")
    omar.goto(f"{live_server.url}/admin/login/")
    omar.fill("#id_username", "omar@northwind.example")
    omar.fill("#id_password", "omar-operations-pass")
    click(omar, "input[type=submit]")
    omar.wait_for_selector("#user-tools")
    assert Membership.objects.get(user__email="omar@northwind.example").role == Role.OPERATIONS

    page.goto(f"{live_server.url}/account/start/")
    assert step_done(page, "invite_team")


def test_single_sign_on_through_a_local_identity_provider_creates_a_membership(browser, live_server, org, org_admin):
    users = [IdpUser(sub="carol-1", claims={"email": "carol@acme.example", "email_verified": True})]
    with identity_provider(users) as issuer:
        sso.configure_sso(
            actor=get_user_model().objects.get(pk=org_admin.pk),
            organization=org,
            issuer_url=issuer,
            client_id="acorn-acme",
            client_secret="idp-secret",
            default_role=Role.FINANCE,
            require_sso=True,
        )
        page = new_page(browser)
        page.goto(f"{live_server.url}/admin/login/")
        click(page, "#link-sso")
        page.fill("#id_organization", "acme")
        click(page, "input[type=submit]")
        click(page, "#sso-continue")
        assert page.url.startswith(issuer)  # the provider's own authorization page
        click(page, "button[value=carol-1]")
        page.wait_for_selector("#user-tools")
        carol = get_user_model().objects.get(email="carol@acme.example")
        assert Membership.objects.get(user=carol, organization=org).role == Role.FINANCE
        page.goto(f"{live_server.url}/account/start/")
        assert "Acme Brands" in page.inner_text("#getting-started")
