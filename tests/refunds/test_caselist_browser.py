"""The case list as people read it, in headless Chromium: it fits a 1440 px screen with the columns
that decide the work in view, and "/" goes to the search box. Screenshots: artifacts/screenshots/."""

from datetime import timedelta
from decimal import Decimal

import pytest

from refunds.choices import ChargebackState, DeductionFamily, Recommendation
from refunds.models import Chargeback
from tests.refunds.cases import make_chargeback, today
from tests.refunds.test_browser import CHROMIUM, SKIP_REASON, Person, browser  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=SKIP_REASON),
]
LIST = "/admin/refunds/chargeback/"


@pytest.fixture
def busy_list(account, ops):
    """A page of cases with the longest values the columns meet: long types, statuses and owners."""
    rows = [
        (DeductionFamily.OPERATIONAL, "carton_content_accuracy", "Pending Amazon Action", Recommendation.DISPUTE),
        (DeductionFamily.PRICE, "price_claim", "Dispute in progress", Recommendation.NEEDS_EVIDENCE),
        (DeductionFamily.SHORTAGE, "shortage", "Invoice rejected", Recommendation.WAIT),
        (DeductionFamily.OPERATIONAL, "import_po_on_time", "Open", Recommendation.ACCEPT),
    ]
    for n, (family, kind, status, recommendation) in enumerate(rows * 3):
        case = make_chargeback(
            account,
            amazon_id=f"1146255{n:03d}",
            family=family,
            deduction_type=kind,
            amazon_status=status,
            po_number=f"{n}JK3S9VCXQ",
            amount=Decimal("12345.67"),
            issue_date=today() - timedelta(days=n),
            due_on=today() + timedelta(days=n),
        )
        Chargeback.objects.filter(pk=case.pk).update(
            recommendation=recommendation,
            state=ChargebackState.IN_REVIEW,
            assignee=ops if n % 2 else None,
        )


def at_1440(browser, live_server, user):  # noqa: F811
    person = Person(browser, live_server, user)
    person.page.set_viewport_size({"width": 1440, "height": 900})
    return person


def test_the_case_list_fits_1440_px_with_po_status_and_recommendation_in_view(
    browser,  # noqa: F811
    live_server,
    busy_list,
    ops,
):
    olivia = at_1440(browser, live_server, ops)
    olivia.page.goto(f"{olivia.base}{LIST}")
    olivia.page.wait_for_selector("#result_list")
    results = olivia.page.eval_on_selector(
        ".results", "el => ({scroll: el.scrollWidth, client: el.clientWidth, right: el.getBoundingClientRect().right})"
    )
    olivia.shot("caselist-01-fits-1440")
    assert results["scroll"] <= results["client"], results
    for column in ("po_number", "amazon_status", "recommendation", "deadline", "amount_display"):
        box = olivia.page.eval_on_selector(
            f"#result_list th.column-{column}",
            "el => { const r = el.getBoundingClientRect(); return [r.left, r.right]; }",
        )
        assert box[0] >= 0 and box[1] <= min(results["right"], 1440) + 1, (column, box, results)
    table = olivia.page.inner_text("#result_list")
    assert "Price claim (PPV)" in table and "Carton Content Accuracy" in table
    assert "price_claim" not in table and "carton_content_accuracy" not in table
    olivia.close()


def test_slash_puts_the_cursor_in_the_search_box_without_breaking_the_csp(
    browser,  # noqa: F811
    live_server,
    busy_list,
    ops,
):
    olivia = at_1440(browser, live_server, ops)
    violations = []
    olivia.page.on(
        "console", lambda message: violations.append(message.text) if "Content Security" in message.text else None
    )
    olivia.page.goto(f"{olivia.base}{LIST}")
    olivia.page.wait_for_selector("#searchbar")
    olivia.page.click("h1")
    assert olivia.page.evaluate("document.activeElement.id") != "searchbar"
    olivia.page.keyboard.press("/")
    assert olivia.page.evaluate("document.activeElement.id") == "searchbar"
    olivia.page.keyboard.type("1146255003")
    assert olivia.page.input_value("#searchbar") == "1146255003"  # the "/" itself was not typed
    # Typed inside a field, "/" is a character like any other.
    olivia.page.keyboard.type("/7")
    assert olivia.page.input_value("#searchbar") == "1146255003/7"
    olivia.page.fill("#searchbar", "1146255003")
    with olivia.page.expect_navigation():
        olivia.page.keyboard.press("Enter")
    assert "1146255003" in olivia.page.inner_text("#result_list tbody")
    assert not violations, violations
    olivia.close()
