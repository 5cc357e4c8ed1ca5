"""The workflow worked in a real headless Chromium against the live server (Debian's /usr/bin/chromium).

Screenshots of the main pages go to artifacts/screenshots/. Without Chromium these tests skip and
the run says so (see tests/refunds/conftest.py).
"""

import os
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from refunds.choices import ChargebackState
from refunds.models import Chargeback, PurchaseOrder
from tests.conftest import PASSWORD
from tests.refunds.cases import PDF_BYTES, make_chargeback, today
from tests.two_factor_helpers import enrol, totp_code

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
SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"
SKIP_REASON = f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=SKIP_REASON),
]

# Playwright's sync API runs an event loop in this thread; the ORM calls the test makes between
# browser steps are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

S = ChargebackState

# Claims issued long enough ago that Amazon's matching period is over: uploading evidence
# re-evaluates the case, and one still in its blackout could not be sent for approval.
PAST_BLACKOUT = today() - timedelta(days=90)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # launch() gives every run a fresh temporary profile.
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def pod_file(tmp_path):
    path = tmp_path / "POD signed ABE2.pdf"
    path.write_bytes(PDF_BYTES)
    return path


class Person:
    """One user's browser session, signed in through the real login form (and the second factor)."""

    def __init__(self, browser, live_server, user):
        self.base = live_server.url
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.page.goto(f"{self.base}/admin/login/")
        self.page.fill("#id_username", user.username)
        self.page.fill("#id_password", PASSWORD)
        self.click("input[type=submit]")
        if "/account/two-factor/verify/" in self.page.url:
            # Managers and admins give the code their authenticator app shows (computed from the device).
            self.page.fill("#id_code", totp_code(user.totpdevice_set.get(confirmed=True)))
            self.click("#verify-code")
        assert "/account/two-factor/" not in self.page.url, f"{user} is stuck at two-factor: {self.page.url}"
        self.page.wait_for_selector("#user-tools")

    def open_case(self, case):
        self.page.goto(f"{self.base}/admin/refunds/chargeback/{case.pk}/change/")
        self.page.wait_for_selector("#workflow")

    def click(self, selector):
        with self.page.expect_navigation():
            self.page.click(selector)

    def state(self) -> str:
        return self.page.get_attribute(".case-state", "data-state")

    def messages(self) -> str:
        return self.page.inner_text("ul.messagelist") if self.page.query_selector("ul.messagelist") else ""

    def shot(self, name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def close(self):
        self.context.close()


def test_a_case_from_deduction_to_recovery_in_the_browser(
    browser, live_server, account, ops, manager, finance, pod_file
):
    PurchaseOrder.objects.create(account=account, number="2JK3S9VC", state="Closed", ordered_at="2026-10-01T00:00Z")
    make_chargeback(account, amazon_id="SC-OTHER", po_number="7ZZZZZZZ")
    case = make_chargeback(account, amazon_id="SC-1001", amount=Decimal("250.00"), issue_date=PAST_BLACKOUT)

    olivia = Person(browser, live_server, ops)
    olivia.shot("01-start-page-queues")
    # She finds the case by its PO number, typed the way the buyer's e-mail spells it.
    olivia.page.goto(f"{olivia.base}/admin/refunds/chargeback/")
    olivia.page.fill("#searchbar", "po# 2jk3s9vc")
    olivia.click("#changelist-search input[type=submit]")
    rows = olivia.page.inner_text("#result_list tbody")
    assert "SC-1001" in rows and "SC-OTHER" not in rows
    olivia.shot("02-case-list-search-by-po")
    olivia.click("#result_list tbody a:text('SC-1001')")
    assert olivia.state() == S.NEW
    assert "PO 2JK3S9VC" in olivia.page.text_content("#documents")  # collapsed under the decision

    olivia.click("#assign-to-me")
    assert olivia.page.inner_text("#case-assignee") == "olivia"
    olivia.click("#transition-start_review")
    assert olivia.state() == S.IN_REVIEW
    assert "missing" in olivia.page.inner_text("#evidence")
    olivia.page.select_option("#evidence-form select[name=kind]", "pod")
    olivia.page.set_input_files("#evidence-form input[type=file]", str(pod_file))
    olivia.click("#upload-evidence")
    assert "Evidence added" in olivia.messages()
    assert "POD signed ABE2.pdf" in olivia.page.inner_text("#evidence")
    olivia.click("#transition-request_approval")
    assert olivia.state() == S.PENDING_APPROVAL
    olivia.shot("03-case-page-pending-approval")

    enrol(manager)  # a manager must use two-factor authentication; Person gives the code
    maria = Person(browser, live_server, manager)
    maria.click("#queue-approval")
    maria.click("#result_list tbody a:text('SC-1001')")
    maria.click("#transition-approve_dispute")
    assert "Expected recovery" in maria.page.inner_text("#decision")  # she approves on the decision
    maria.click("#confirm-transition")
    assert maria.state() == S.APPROVED
    maria.shot("04-case-page-approved")

    olivia.open_case(case)
    olivia.click("#build-packet")
    assert "Dispute packet built" in olivia.messages()
    with olivia.page.expect_download() as download:
        olivia.page.click("#packets a:text('SC-1001_dispute_round1.zip')")
    assert download.value.suggested_filename == "SC-1001_dispute_round1.zip"
    olivia.click("#transition-file_dispute")
    olivia.page.fill("#id_amazon_case_id", "17283940561")
    olivia.click("#confirm-transition")
    assert olivia.state() == S.DISPUTED
    assert "17283940561" in olivia.page.inner_text("#workflow")

    fred = Person(browser, live_server, finance)
    fred.open_case(case)
    fred.click("#transition-record_amazon_approval")
    fred.click("#confirm-transition")
    assert fred.state() == S.AMAZON_APPROVED
    fred.click("#transition-record_recovery")
    fred.page.fill("#id_amount", "250.00")
    fred.page.fill("#id_reference", "Payment 88231 / SC-1001SCR")
    fred.click("#confirm-transition")
    assert fred.state() == S.RECOVERED
    timeline = fred.page.inner_text("#timeline")
    for line in ("Record recovery", "Record filing", "Approve dispute", "Request approval", "Assigned to olivia"):
        assert line in timeline
    fred.shot("05-case-page-recovered-timeline")

    case = Chargeback.objects.get(pk=case.pk)
    assert (case.state, case.recovered_amount, case.filed_case_id) == (S.RECOVERED, Decimal("250"), "17283940561")
    assert [h.history_user.username for h in case.history.filter(history_user__isnull=False).order_by("history_id")][
        -7:
    ] == ["olivia", "olivia", "olivia", "maria", "olivia", "fred", "fred"]
    for person in (olivia, maria, fred):
        person.close()


def test_a_manager_cannot_approve_a_case_she_prepared(browser, live_server, account, manager, pod_file):
    case = make_chargeback(account, amazon_id="SC-2002", issue_date=PAST_BLACKOUT)
    enrol(manager)
    maria = Person(browser, live_server, manager)
    maria.open_case(case)
    maria.click("#assign-to-me")
    maria.click("#transition-start_review")
    maria.page.select_option("#evidence-form select[name=kind]", "pod")
    maria.page.set_input_files("#evidence-form input[type=file]", str(pod_file))
    maria.click("#upload-evidence")
    maria.click("#transition-request_approval")
    assert maria.state() == S.PENDING_APPROVAL
    # No approve button for the preparer...
    assert maria.page.query_selector("#transition-approve_dispute") is None
    maria.shot("06-preparer-sees-no-approve-button")
    # ...and a crafted POST of the approval (with a valid CSRF token) is refused with the reason.
    token = maria.page.get_attribute("#workflow input[name=csrfmiddlewaretoken]", "value")
    maria.page.evaluate(
        """([url, token]) => {
            const form = document.createElement('form');
            form.method = 'post';
            form.action = url;
            for (const [name, value] of [['csrfmiddlewaretoken', token]]) {
                const input = document.createElement('input');
                input.type = 'hidden'; input.name = name; input.value = value;
                form.appendChild(input);
            }
            document.body.appendChild(form);
            form.submit();
        }""",
        [f"/admin/refunds/chargeback/{case.pk}/workflow/approve_dispute/", token],
    )
    maria.page.wait_for_selector("ul.messagelist")
    assert re.search(r"four eyes", maria.messages())
    assert maria.state() == S.PENDING_APPROVAL
    maria.shot("07-crafted-approval-refused")
    assert Chargeback.objects.get(pk=case.pk).state == S.PENDING_APPROVAL
    maria.close()
