"""The ops → manager → finance tour with the browser set to Simplified Chinese (zh-CN).

Every page of the tour must read in Chinese: apart from data from Amazon and codes, no English word
is left on them. Screenshots go to artifacts/screenshots/zh-*.png.
"""

import re
from decimal import Decimal

import pytest

from refunds.choices import ChargebackState
from refunds.models import PurchaseOrder
from tests.refunds.cases import make_chargeback
from tests.refunds.test_browser import CHROMIUM, PAST_BLACKOUT, SKIP_REASON, Person, browser, pod_file  # noqa: F401
from tests.two_factor_helpers import enrol

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=SKIP_REASON),
]

S = ChargebackState

# What may stay in Latin letters on a Chinese page: data from Amazon and our test data (ids, numbers,
# names, the deduction's description), codes (currencies, document kinds, identifiers), product names.
ALLOWED = {
    # product and company names, technical names
    "ACORN",
    "Amazon",
    "Vendor",
    "Central",
    "Django",
    "PDF",
    "PNG",
    "JPEG",
    "CSV",
    "TXT",
    "XLSX",
    "ZIP",
    "CSV/TXT",
    "POD",
    "BOL",
    "ASN",
    "ARN",
    "PO",
    "ASIN",
    "SKU",
    "RTV",
    "SSCC",
    "GTIN",
    "SC",
    # currencies
    "USD",
    "CAD",
    "EUR",
    # test data: people, organization, account, ids, Amazon's type code and description
    "olivia",
    "maria",
    "fred",
    "Acme",
    "Brands",
    "US",
    "shortage",
    "Amazon received units fewer than invoiced",
    "received",
    "units",
    "fewer",
    "than",
    "invoiced",
    "signed",
    "ABE",
    "Payment",
    # file names as data: the upload as written ("POD signed ABE2.pdf"), the packet Amazon gets (".zip")
    "pdf",
    "zip",
    # Amazon's words as received: the purchase order's state, the Issue ID
    "Closed",
    "Issue",
}


def english_words(page) -> list[str]:
    """Words of Latin letters in the page's main content that are not data or codes."""
    # Free text as written (Amazon's descriptions, rule notes, comments) is marked lang="en" on the page.
    text = page.evaluate(
        """() => {
            const marked = [...document.querySelectorAll('#container [lang="en"]')].filter((e) => !e.hidden);
            marked.forEach((element) => { element.hidden = true; });
            const text = document.querySelector('#container').innerText;
            marked.forEach((element) => { element.hidden = false; });
            return text;
        }"""
    )
    words = re.findall(r"[A-Za-z][A-Za-z0-9_'’-]+", text)
    return sorted({w for w in words if w not in ALLOWED and "_" not in w and not re.fullmatch(r"[A-Z0-9-]+", w)})


class ChinesePerson(Person):
    """A Person whose browser asks for zh-CN (Accept-Language and navigator.language)."""

    def __init__(self, chromium, live_server, user):
        original = chromium.new_context

        def new_context(**kwargs):
            return original(locale="zh-CN", **kwargs)

        chromium.new_context = new_context
        try:
            super().__init__(chromium, live_server, user)
        finally:
            chromium.new_context = original

    def reads_chinese(self, name):
        self.shot(f"zh-{name}")
        assert self.page.get_attribute("html", "lang") == "zh-hans"
        left = english_words(self.page)
        assert not left, f"English on {name}: {left}"


def test_the_tour_reads_in_chinese(browser, live_server, account, ops, manager, finance, pod_file):  # noqa: F811
    PurchaseOrder.objects.create(account=account, number="2JK3S9VC", state="Closed", ordered_at="2026-10-01T00:00Z")
    case = make_chargeback(account, amazon_id="SC-1001", amount=Decimal("250.00"), issue_date=PAST_BLACKOUT)

    olivia = ChinesePerson(browser, live_server, ops)
    olivia.reads_chinese("01-dashboard")
    olivia.page.goto(f"{olivia.base}/admin/refunds/chargeback/")
    olivia.reads_chinese("02-case-list")
    olivia.open_case(case)
    olivia.reads_chinese("03-case-new")
    olivia.click("#assign-to-me")
    olivia.click("#transition-start_review")
    olivia.page.select_option("#evidence-form select[name=kind]", "pod")
    olivia.page.set_input_files("#evidence-form input[type=file]", str(pod_file))
    olivia.click("#upload-evidence")
    assert "证据已添加" in olivia.messages()
    olivia.click("#transition-request_approval")
    assert olivia.state() == S.PENDING_APPROVAL
    olivia.reads_chinese("04-case-pending-approval")

    enrol(manager)
    maria = ChinesePerson(browser, live_server, manager)
    maria.click("#queue-approval")
    maria.reads_chinese("05-approval-queue")
    maria.click("#result_list tbody a:text('SC-1001')")
    maria.click("#transition-approve_dispute")
    maria.reads_chinese("06-approve-on-the-decision")
    maria.click("#confirm-transition")
    assert maria.state() == S.APPROVED
    maria.reads_chinese("06-case-approved")

    olivia.open_case(case)
    olivia.click("#build-packet")
    assert "申诉材料包已生成" in olivia.messages()
    assert "SC-1001_dispute_round1.zip" in olivia.page.inner_text("#packets")  # what goes to Amazon stays English
    olivia.click("#transition-file_dispute")
    olivia.reads_chinese("07-record-filing-form")
    olivia.page.fill("#id_amazon_case_id", "17283940561")
    olivia.click("#confirm-transition")
    assert olivia.state() == S.DISPUTED

    fred = ChinesePerson(browser, live_server, finance)
    fred.open_case(case)
    fred.click("#transition-record_amazon_approval")
    fred.click("#confirm-transition")
    fred.click("#transition-record_recovery")
    fred.page.fill("#id_amount", "250.00")
    fred.page.fill("#id_reference", "Payment 88231")
    fred.click("#confirm-transition")
    assert fred.state() == S.RECOVERED
    fred.reads_chinese("08-case-recovered-timeline")
    fred.page.goto(f"{fred.base}/dashboard/reports/recovery/")
    fred.reads_chinese("09-recovery-report")
    for person in (olivia, maria, fred):
        person.close()
