"""The case page as each role works it, in headless Chromium: several files at once, the decision on the
approval page, settlement terms, a recovery above what Amazon approved. Screenshots: artifacts/screenshots/."""

from decimal import Decimal

import pytest

from refunds.choices import ChargebackState
from refunds.models import Chargeback, SettlementTerms
from refunds.services import workflow
from tests.refunds.cases import PDF_BYTES, make_chargeback, reload, walk
from tests.refunds.test_browser import CHROMIUM, PAST_BLACKOUT, SKIP_REASON, Person, browser  # noqa: F401
from tests.two_factor_helpers import enrol

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=SKIP_REASON),
]
S = ChargebackState


def test_ops_uploads_several_files_and_the_manager_approves_on_the_decision(
    browser,  # noqa: F811
    live_server,
    account,
    ops,
    manager,
    tmp_path,
):
    case = make_chargeback(account, amazon_id="SC-3001", issue_date=PAST_BLACKOUT)
    files = []
    for name in ("POD page 1.pdf", "POD page 2.pdf"):
        path = tmp_path / name
        path.write_bytes(PDF_BYTES)
        files.append(str(path))

    olivia = Person(browser, live_server, ops)
    olivia.open_case(case)
    assert olivia.page.query_selector("#decision") is not None
    olivia.click("#transition-start_review")
    olivia.page.select_option("#evidence-form select[name=kind]", "pod")
    olivia.page.set_input_files("#evidence-form input[type=file]", files)
    olivia.click("#upload-evidence")
    assert "Evidence added (2 files)." in olivia.messages()
    evidence = olivia.page.inner_text("#evidence-list")
    assert "POD page 1.pdf" in evidence and "POD page 2.pdf" in evidence
    assert "uploaded Proof of delivery POD page 2.pdf" in olivia.page.inner_text("#timeline")
    olivia.click("#build-packet")
    olivia.click("#transition-request_approval")
    assert olivia.state() == S.PENDING_APPROVAL
    olivia.shot("casepage-01-ops-several-files-prepared")

    enrol(manager)
    maria = Person(browser, live_server, manager)
    maria.open_case(case)
    maria.click("#transition-approve_dispute")
    decision = maria.page.inner_text("#decision")
    assert "Expected recovery" in decision and "Next" in decision
    maria.shot("casepage-02-manager-approval-shows-the-decision")
    maria.click("#confirm-transition")
    assert maria.state() == S.APPROVED
    for person in (olivia, maria):
        person.close()


def test_legal_records_settlement_terms(browser, live_server, account, ops, manager, finance, legal):  # noqa: F811
    case = walk(
        make_chargeback(
            account, amazon_id="SC-3002", family="price_claim", deduction_type="price", issue_date=PAST_BLACKOUT
        ),
        S.DENIED,
        ops=ops,
        manager=manager,
        finance=finance,
    )
    lena = Person(browser, live_server, legal)
    lena.open_case(case)
    lena.click("#transition-open_settlement")
    assert lena.state() == S.SETTLEMENT
    lena.page.fill("#settlement-form input[name=amount_offered]", "150.00")
    lena.page.fill("#settlement-form input[name=amount_accepted]", "175.00")
    lena.click("#record-terms")
    assert "Settlement terms recorded." in lena.messages()
    assert lena.page.inner_text("#settlement-accepted") == "175.00 USD"
    lena.shot("casepage-03-legal-settlement-terms")
    assert SettlementTerms.objects.get(chargeback=case).amount_accepted == Decimal("175.00")
    lena.close()


def test_finance_records_more_than_amazon_approved_only_with_a_confirmation(
    browser,  # noqa: F811
    live_server,
    account,
    ops,
    manager,
    finance,
):
    case = walk(
        make_chargeback(account, amazon_id="SC-3003", issue_date=PAST_BLACKOUT), S.DISPUTED, ops=ops, manager=manager
    )
    workflow.record_amazon_approval(chargeback=case, actor=finance, amount="120.00")
    fred = Person(browser, live_server, finance)
    fred.open_case(reload(case))
    fred.click("#transition-record_recovery")
    fred.page.fill("#id_amount", "130.00")
    fred.page.fill("#id_reference", "Payment 99120")
    fred.click("#confirm-transition")
    assert "Amazon approved 120.00 USD" in fred.page.inner_text("#transition-form")
    fred.shot("casepage-04-finance-recovery-above-approved-asks")
    fred.page.check("#id_confirm_above_approved")
    fred.page.fill("#id_above_approved_reason", "Amazon refunded the fee too")
    fred.click("#confirm-transition")
    assert fred.state() == S.RECOVERED
    assert Chargeback.objects.get(pk=case.pk).recovered_amount == Decimal("130.00")
    fred.close()
