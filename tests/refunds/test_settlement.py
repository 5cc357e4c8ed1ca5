"""Legal's work: settlement terms, legal review where required, and who may give up a deduction."""

from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django_fsm import TransitionNotAllowed

from refunds.choices import ChargebackState
from refunds.models import Chargeback, SettlementTerms, WorkflowSettings
from refunds.services import workflow
from refunds.services.settlement import record_settlement_terms, review_settlement
from tests.refunds.cases import PDF_BYTES, make_chargeback, reload, upload, walk

S = ChargebackState


@pytest.fixture
def in_settlement(account, ops, manager, finance, legal):
    """A price claim (one dispute round) Amazon denied, moved to settlement by legal."""
    case = walk(
        make_chargeback(account, family="price_claim", deduction_type="price"),
        S.DENIED,
        ops=ops,
        manager=manager,
        finance=finance,
    )
    return workflow.open_settlement(chargeback=case, actor=legal)


def test_legal_records_terms_with_the_agreement_and_they_show_on_the_case(client, legal, in_settlement):
    client.force_login(legal)
    url = reverse("admin:refunds_chargeback_settlement", args=[in_settlement.pk])
    data = {"amount_offered": "150.00", "amount_accepted": "175.00", "agreement": upload(PDF_BYTES, "signed.pdf")}
    assert client.post(url, data).status_code == 302
    terms = SettlementTerms.objects.get(chargeback=in_settlement)
    assert (terms.amount_offered, terms.amount_accepted) == (Decimal("150.00"), Decimal("175.00"))
    assert terms.agreement.original_name == "signed.pdf"
    page = client.get(reverse("admin:refunds_chargeback_change", args=[in_settlement.pk])).content.decode()
    assert "175.00 USD" in page and "signed.pdf" in page
    assert "settlement terms: offered 150.00 USD, accepted 175.00 USD" in page


def test_terms_above_the_deduction_are_refused(legal, in_settlement):
    with pytest.raises(ValidationError):
        record_settlement_terms(chargeback=in_settlement, actor=legal, amount_offered="900.00")


def test_where_required_legal_reviews_the_terms_before_the_case_closes(finance, legal, ops, in_settlement, org):
    WorkflowSettings.objects.create(organization=org, settlement_requires_legal_review=True)
    record_settlement_terms(chargeback=in_settlement, actor=finance, amount_offered="100.00", amount_accepted="100.00")
    with pytest.raises(TransitionNotAllowed, match="Legal must review"):
        workflow.record_recovery(chargeback=reload(in_settlement), actor=finance, amount="100.00", reference="S-1")
    with pytest.raises(PermissionDenied):
        review_settlement(chargeback=in_settlement, actor=ops)
    review_settlement(chargeback=in_settlement, actor=legal, note="terms fine")
    case = workflow.record_recovery(chargeback=reload(in_settlement), actor=finance, amount="100.00", reference="S-1")
    assert case.state == S.RECOVERED


def test_new_terms_need_a_new_review(finance, legal, in_settlement):
    record_settlement_terms(chargeback=in_settlement, actor=finance, amount_offered="100.00", amount_accepted="100.00")
    review_settlement(chargeback=in_settlement, actor=legal)
    terms = record_settlement_terms(
        chargeback=in_settlement, actor=finance, amount_offered="90.00", amount_accepted="90.00"
    )
    assert terms.reviewed_at is None


def test_settlement_pages_of_another_organization_do_not_exist(client, outsider, in_settlement):
    client.force_login(outsider)
    url = reverse("admin:refunds_chargeback_settlement", args=[in_settlement.pk])
    assert client.post(url, {"amount_offered": "1.00"}).status_code == 404
    review = reverse("admin:refunds_chargeback_settlement_review", args=[in_settlement.pk])
    assert client.post(review, {}).status_code == 404
    assert not SettlementTerms.objects.exists()


def test_giving_up_a_deduction_above_the_limit_needs_a_manager(ops, manager, account, org):
    WorkflowSettings.objects.create(organization=org, accept_limit=Decimal("200.00"), accept_limit_currency="USD")
    small, large = (
        make_chargeback(account, amount=Decimal("150.00")),
        make_chargeback(account, amount=Decimal("250.00")),
    )
    assert workflow.accept_deduction(chargeback=small, actor=ops, reason="valid").state == S.ACCEPTED
    with pytest.raises(PermissionDenied, match="needs a manager"):
        workflow.accept_deduction(chargeback=large, actor=ops, reason="valid")
    assert workflow.accept_deduction(chargeback=reload(large), actor=manager, reason="valid").state == S.ACCEPTED


def test_the_limit_compares_only_its_own_currency(ops, org):
    from acorn_portal.models import VendorAccount

    germany = VendorAccount.objects.create(organization=org, name="Acme DE", vendor_codes="ACMED", marketplace="DE")
    WorkflowSettings.objects.create(organization=org, accept_limit=Decimal("200.00"), accept_limit_currency="USD")
    case = make_chargeback(germany, amount=Decimal("250.00"), currency="EUR")
    assert workflow.accept_deduction(chargeback=case, actor=ops, reason="valid").state == S.ACCEPTED


@pytest.mark.django_db
@pytest.mark.time_machine(datetime(2026, 11, 20, 18, 0, tzinfo=UTC), tick=False)
def test_the_demo_has_a_case_denied_for_legal(settings):
    settings.SIMULATOR_URL = "http://127.0.0.1:8765"
    out = StringIO()
    call_command("seed_demo", "--orders", "60", "--today", "2026-11-20", stdout=out, stderr=StringIO())
    denied = Chargeback.objects.filter(state=S.DENIED, filed_case_id__startswith="DEMO-")
    assert denied.count() == 1 and "legal's settlement to show" in out.getvalue()
    case = denied.get()
    assert case.max_dispute_rounds() is not None and case.dispute_round == case.max_dispute_rounds()
    assert case.history.filter(history_change_reason__startswith="Amazon denied").exists()
    call_command("seed_demo", "--orders", "60", "--today", "2026-11-20", stdout=StringIO(), stderr=StringIO())
    assert Chargeback.objects.filter(filed_case_id__startswith="DEMO-", state=S.DENIED).count() == 1
