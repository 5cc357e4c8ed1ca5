"""The dashboard in a real headless Chromium: log in, read a figure, follow it to its list, same count.

Screenshots go to var/screenshots/. Without /usr/bin/chromium the test skips and says so.
"""

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from refunds.choices import ChargebackState
from tests.conftest import PASSWORD
from tests.refunds.cases import make_chargeback, today
from tests.refunds.test_browser import CHROMIUM, CHROMIUM_FLAGS, SKIP_REASON

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=SKIP_REASON),
]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def test_dashboard_figure_leads_to_its_filtered_list(browser, live_server, account, other_account, finance):
    t = today()
    for n in range(3):  # overdue: not filed and past the deadline
        make_chargeback(account, amount=Decimal("100.00") + n, due_on=t - timedelta(days=n + 1))
    make_chargeback(account, amount=Decimal("7.00"), due_on=t + timedelta(days=30))  # open, not overdue
    make_chargeback(account, amount=Decimal("8.00"), due_on=t - timedelta(days=3), state=ChargebackState.DISPUTED)
    make_chargeback(other_account, amount=Decimal("9.00"), due_on=t - timedelta(days=3))  # another organization

    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/")  # the start page asks for a login, then lands on the dashboard
    page.fill("#id_username", finance.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")
    page.wait_for_selector("#dashboard")
    assert page.url.endswith("/dashboard/")
    assert page.locator("svg[role=img] title").count() >= 1  # charts carry a title for screen readers

    link = page.locator("#figure-overdue a.figure-link[data-currency=USD]")
    assert link.inner_text() == "303.00 USD"
    figure_count = int(link.get_attribute("data-count"))
    assert figure_count == 3
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)

    with page.expect_navigation():
        link.click()
    page.wait_for_selector("#result_list")
    rows = page.locator("#result_list tbody tr").count()
    assert rows == figure_count
    assert f"{figure_count} chargebacks" in page.inner_text(".paginator")
    assert "Dashboard figure" in page.inner_text("#changelist-filter") or "dashboard figure" in page.inner_text(
        "#changelist-filter"
    )
    page.screenshot(path=str(SCREENSHOTS / "dashboard-overdue-list.png"), full_page=True)
    context.close()
