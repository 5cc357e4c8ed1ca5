"""The portal's own pages keep to its Content Security Policy, in a real Chromium.

A manager signs in through the login form, enrols an authenticator on the real setup page (the code
computed from the device, as her phone would), and opens the main pages. A listener installed before
any page script records every `securitypolicyviolation` event, and console messages are watched for
CSP reports; none may appear.
"""

import os
from decimal import Decimal

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD
from tests.refunds.cases import make_chargeback
from tests.refunds.test_browser import CHROMIUM, CHROMIUM_FLAGS, SKIP_REASON
from tests.two_factor_helpers import totp_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.real_2fa,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=SKIP_REASON),
]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(
    `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def page(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.add_init_script(LISTENER)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.console_reports = []
        page.on(
            "console",
            lambda message: page.console_reports.append(message.text)
            if "content security policy" in message.text.lower()
            else None,
        )
        yield page
        browser.close()


def violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations") + page.console_reports


def visit(page, url, selector):
    response = page.goto(url)
    assert response.status == 200, url
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(selector)
    page.wait_for_load_state("load")
    assert violations(page) == [], f"CSP violations on {url}"


def submit(page, selector):
    with page.expect_navigation():
        page.click(selector)
    page.wait_for_load_state("load")
    assert violations(page) == [], f"CSP violations after {selector} on {page.url}"


def test_main_pages_raise_no_csp_violation(page, live_server, account, manager):
    base = live_server.url
    case = make_chargeback(account, amazon_id="SC-CSP1", amount=Decimal("120.00"))

    visit(page, f"{base}/admin/login/", "#id_username")
    page.fill("#id_username", manager.username)
    page.fill("#id_password", PASSWORD)
    submit(page, "input[type=submit]")

    # A manager without an authenticator lands on enrolment: QR code, key, confirm.
    assert "/account/two-factor/setup/" in page.url
    assert page.query_selector("#two-factor-qr svg") is not None
    device = TOTPDevice.objects.get(user=manager, confirmed=False)
    page.fill("#id_code", totp_code(device))
    submit(page, "#confirm-setup")
    assert page.query_selector("#recovery-codes") is not None
    submit(page, "#continue")

    visit(page, f"{base}/admin/", "#user-tools")
    visit(page, f"{base}/admin/refunds/chargeback/", "#result_list")
    visit(page, f"{base}/admin/refunds/chargeback/?q=SC-CSP1", "#result_list")
    visit(page, f"{base}/admin/refunds/chargeback/{case.pk}/change/", "#workflow")
    # The case page's own stylesheet applies (it used to be an inline <style> block).
    grid = page.evaluate("getComputedStyle(document.querySelector('#case')).display")
    assert grid == "grid"
    visit(page, f"{base}/admin/refunds/policyrule/add/", "#content-main")
    visit(page, f"{base}/admin/acorn_portal/auditevent/", "#content-main")
    visit(page, f"{base}/account/two-factor/", "#two-factor-status")

    # A policy that does bite is noticed: an inline script injected by the test is reported.
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = '1'; document.body.append(s); }")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert "script-src" in page.evaluate("window.__cspViolations")[0]
