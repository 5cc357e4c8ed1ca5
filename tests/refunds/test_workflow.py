"""The case lifecycle through the workflow services, including every refusal."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from acorn_portal.models import OutboxEvent
from acorn_portal.roles import Role
from refunds.choices import ApprovalDecision, ApprovalLevel, ChargebackState, DeductionFamily
from refunds.models import (
    Approval,
    ApprovalThreshold,
    Chargeback,
    Comment,
    Remittance,
    RemittanceLine,
    WorkflowSettings,
)
from refunds.services import workflow
from refunds.services.workflow import CaseChanged, WorkflowError, available_transitions
from tests.conftest import make_member
from tests.refunds.cases import add_pod, make_chargeback, reload, today, walk

S = ChargebackState


@pytest.fixture
def case(account):
    return make_chargeback(account)


@pytest.fixture
def manager2(org):
    return make_member(org, "mona", Role.MANAGER)


def events(case):
    return list(OutboxEvent.objects.filter(object_id=str(case.pk)).values_list("name", flat=True))


def test_whole_lifecycle_to_recovery_records_history_and_events(case, ops, manager, finance, account):
    case = workflow.start_review(chargeback=case, actor=ops)
    add_pod(case, ops)
    case = workflow.request_approval(chargeback=case, actor=ops, note="POD shows all 10 units")
    assert (case.state, case.prepared_by, case.requires_second_approval) == (S.PENDING_APPROVAL, ops, False)
    case = workflow.approve_dispute(chargeback=case, actor=manager, note="Go")
    assert (case.state, case.approved_by) == (S.APPROVED, manager)
    case = workflow.file_dispute(chargeback=case, actor=ops, amazon_case_id="1234567890", filed_on=today())
    assert (case.state, case.dispute_round, case.filed_case_id, case.filed_on) == (S.DISPUTED, 1, "1234567890", today())
    case = workflow.record_amazon_approval(chargeback=case, actor=finance, amount="200.00")
    assert (case.state, case.amazon_approved_amount) == (S.AMAZON_APPROVED, Decimal("200.00"))
    remittance = Remittance.objects.create(
        account=account, payment_number="P-77", payment_date=today(), amount=Decimal("5000"), currency="USD"
    )
    line = RemittanceLine.objects.create(
        remittance=remittance, line_number=1, invoice_number="INV1001SCR", amount=Decimal("150.00"), currency="USD"
    )
    case = workflow.record_recovery(chargeback=case, actor=finance, remittance_line=line)
    assert (case.state, case.recovered_amount, case.recovery_line) == (S.RECOVERED, Decimal("150.00"), line)
    assert case.recovery_reference == "P-77 / INV1001SCR"
    # A second partial credit adds up; the amount is kept, never more than the deduction.
    case = workflow.record_recovery(chargeback=case, actor=finance, amount="50.00", reference="P-78")
    assert case.recovered_amount == Decimal("100.00") + Decimal("100.00")

    history = list(reload(case).history.order_by("history_date", "history_id"))
    transitions = [h for h in history if h.history_change_reason]
    assert [h.state for h in transitions] == [
        S.IN_REVIEW,
        S.PENDING_APPROVAL,
        S.APPROVED,
        S.DISPUTED,
        S.AMAZON_APPROVED,
        S.RECOVERED,
        S.RECOVERED,
    ]
    assert [h.history_user for h in transitions] == [ops, ops, manager, ops, finance, finance, finance]
    assert transitions[1].history_change_reason == "Request approval: POD shows all 10 units"
    assert "Manager approval — Go" in transitions[2].history_change_reason
    names = events(case)
    assert names.count("chargeback.state_changed") == 6  # the second recovery keeps the state
    for name in ("chargeback.approved", "chargeback.disputed", "chargeback.amazon_approved", "chargeback.recovered"):
        assert name in names
    recovered = OutboxEvent.objects.filter(name="chargeback.recovered").last()
    assert recovered.payload["recovered_total"] == "200.00" and recovered.organization == account.organization


def test_denied_case_redisputes_while_rounds_remain_then_goes_to_settlement(case, ops, manager, finance, legal):
    case = walk(case, S.DENIED, ops=ops, manager=manager, finance=finance)
    assert case.max_dispute_rounds() == 2  # shortage: one dispute and one re-dispute
    with pytest.raises(WorkflowError, match="re-dispute instead"):
        workflow.open_settlement(chargeback=case, actor=finance)
    case = workflow.redispute(chargeback=case, actor=ops)
    assert (case.state, case.prepared_by, case.approved_by) == (S.IN_REVIEW, None, None)
    case = walk(case, S.DENIED, ops=ops, manager=manager, finance=finance)
    assert case.dispute_round == 2
    with pytest.raises(WorkflowError, match="No dispute rounds left: policy allows 2"):
        workflow.redispute(chargeback=case, actor=ops)
    case = workflow.open_settlement(chargeback=case, actor=finance, note="Statement of open items")
    case = workflow.write_off(chargeback=case, actor=finance, reason="Settlement refused")
    assert (case.state, case.written_off_amount) == (S.WRITTEN_OFF, Decimal("250.00"))
    assert "chargeback.written_off" in events(case)


def test_price_claim_allows_a_single_round(account, ops, manager, finance):
    case = make_chargeback(account, family=DeductionFamily.PRICE, deduction_type="price_discrepancy")
    case = walk(case, S.DENIED, ops=ops, manager=manager, finance=finance)
    with pytest.raises(WorkflowError, match="No dispute rounds left: policy allows 1"):
        workflow.redispute(chargeback=case, actor=ops)


def test_coop_has_unlimited_rounds_within_the_window(account, ops, manager, finance):
    case = make_chargeback(account, family=DeductionFamily.COOP, deduction_type="coop_marketing")
    for _ in range(3):
        case = walk(case, S.DENIED, ops=ops, manager=manager, finance=finance)
        case = workflow.redispute(chargeback=case, actor=ops)
    assert case.dispute_round == 3 and case.state == S.IN_REVIEW


def test_settlement_can_be_reserved_to_legal(case, ops, manager, finance, legal, org):
    WorkflowSettings.objects.create(organization=org, settlement_requires_legal=True)
    case = walk(case, S.DENIED, ops=ops, manager=manager, finance=finance)
    case = workflow.redispute(chargeback=case, actor=ops)
    case = walk(case, S.DENIED, ops=ops, manager=manager, finance=finance)
    with pytest.raises(PermissionDenied):
        workflow.open_settlement(chargeback=case, actor=finance)
    case = workflow.open_settlement(chargeback=case, actor=legal)
    case = workflow.record_recovery(chargeback=case, actor=finance, amount="125", reference="settlement S-1")
    assert (case.state, case.recovered_amount) == (S.RECOVERED, Decimal("125"))


@pytest.mark.parametrize(
    ("state", "service", "who", "kwargs"),
    [
        (S.NEW, workflow.start_review, "finance", {}),
        (S.NEW, workflow.start_review, "legal", {}),
        (S.NEW, workflow.accept_deduction, "finance", {"reason": "valid"}),
        (S.IN_REVIEW, workflow.request_approval, "finance", {}),
        (S.IN_REVIEW, workflow.request_approval, "legal", {}),
        (S.PENDING_APPROVAL, workflow.approve_dispute, "ops", {}),
        (S.PENDING_APPROVAL, workflow.approve_dispute, "legal", {}),
        (S.PENDING_APPROVAL, workflow.approve_dispute, "finance", {}),  # no second approval required here
        (S.PENDING_APPROVAL, workflow.send_back, "ops", {"comment": "no"}),
        (S.APPROVED, workflow.file_dispute, "finance", {"amazon_case_id": "1"}),
        (S.APPROVED, workflow.file_dispute, "legal", {"amazon_case_id": "1"}),
        (S.DISPUTED, workflow.record_amazon_approval, "ops", {}),
        (S.DISPUTED, workflow.record_amazon_approval, "manager", {}),
        (S.DISPUTED, workflow.record_amazon_denial, "ops", {"reason": "x"}),
        (S.DENIED, workflow.redispute, "finance", {}),
        (S.DENIED, workflow.write_off, "ops", {"reason": "x"}),
        (S.DENIED, workflow.write_off, "manager", {"reason": "x"}),
        (S.DENIED, workflow.open_settlement, "ops", {}),
        (S.NEW, workflow.start_review, "outsider", {}),
        (S.PENDING_APPROVAL, workflow.approve_dispute, "outsider", {}),
        (S.DISPUTED, workflow.record_amazon_approval, "outsider", {}),
    ],
)
def test_wrong_role_is_refused_and_nothing_changes(request, case, ops, manager, finance, state, service, who, kwargs):
    if state != S.NEW:
        case = walk(case, state, ops=ops, manager=manager, finance=finance)
    if service is workflow.open_settlement:  # make settlement otherwise possible: no rounds left
        case = workflow.redispute(chargeback=case, actor=ops)
        case = walk(case, S.DENIED, ops=ops, manager=manager, finance=finance)
    before = (reload(case).state, reload(case).history.count(), OutboxEvent.objects.count())
    with pytest.raises(PermissionDenied):
        service(chargeback=case, actor=request.getfixturevalue(who), **kwargs)
    after = reload(case)
    assert (after.state, after.history.count(), OutboxEvent.objects.count()) == before


def test_role_in_another_organization_gives_nothing_here(case, ops, manager, other_org, ops_in_both=None):
    """A manager of organization B who is only operations in A cannot approve A's cases."""
    user = make_member(other_org, "mia", Role.MANAGER)
    from acorn_portal.models import Membership

    Membership.objects.create(user=user, organization=case.account.organization, role=Role.OPERATIONS)
    user.refresh_from_db()
    case = walk(case, S.PENDING_APPROVAL, ops=ops, manager=manager)
    assert user.has_perm("refunds.approve_dispute")  # by the union of groups...
    with pytest.raises(PermissionDenied):  # ...but not in this organization
        workflow.approve_dispute(chargeback=case, actor=user)


def test_four_eyes_the_preparer_never_approves(case, manager, manager2):
    case = walk(case, S.IN_REVIEW, ops=manager, manager=manager)
    add_pod(case, manager)
    case = workflow.request_approval(chargeback=case, actor=manager)
    assert "approve_dispute" not in [t.name for t in available_transitions(case, manager)]
    with pytest.raises(PermissionDenied, match="four eyes"):
        workflow.approve_dispute(chargeback=case, actor=manager)
    with pytest.raises(PermissionDenied, match="four eyes"):
        workflow.send_back(chargeback=case, actor=manager, comment="my own")
    case = workflow.approve_dispute(chargeback=reload(case), actor=manager2)
    assert case.state == S.APPROVED


def test_above_threshold_finance_gives_a_second_approval(account, org, ops, manager, finance, manager2):
    ApprovalThreshold.objects.create(organization=org, currency="USD", amount=Decimal("1000"))
    case = walk(make_chargeback(account, amount=Decimal("1000.00")), S.PENDING_APPROVAL, ops=ops, manager=manager)
    assert case.requires_second_approval
    case = workflow.approve_dispute(chargeback=case, actor=manager)
    assert case.state == S.PENDING_APPROVAL and "chargeback.approval_recorded" in events(case)
    with pytest.raises(PermissionDenied):  # a second manager approval is not a finance approval
        workflow.approve_dispute(chargeback=case, actor=manager2)
    case = workflow.approve_dispute(chargeback=case, actor=finance)
    assert (case.state, case.second_approved_by) == (S.APPROVED, finance)
    levels = list(Approval.objects.filter(chargeback=case).values_list("level", "approver__username"))
    assert levels == [(ApprovalLevel.MANAGER, "maria"), (ApprovalLevel.FINANCE, "fred")]


def test_finance_may_approve_first_and_the_manager_completes(account, org, ops, manager, finance):
    ApprovalThreshold.objects.create(organization=org, currency="USD", amount=Decimal("100"))
    case = walk(make_chargeback(account), S.PENDING_APPROVAL, ops=ops, manager=manager)
    case = workflow.approve_dispute(chargeback=case, actor=finance)
    assert case.state == S.PENDING_APPROVAL
    with pytest.raises(PermissionDenied, match="already approved"):
        workflow.approve_dispute(chargeback=case, actor=finance)
    assert workflow.approve_dispute(chargeback=case, actor=manager).state == S.APPROVED


def test_thresholds_never_compare_currencies(org, ops, manager):
    from acorn_portal.models import VendorAccount

    ApprovalThreshold.objects.create(organization=org, currency="USD", amount=Decimal("100"))
    de = VendorAccount.objects.create(organization=org, name="Acme DE", vendor_codes="ACMED", marketplace="DE")
    case = walk(make_chargeback(de, amount=Decimal("90000.00")), S.PENDING_APPROVAL, ops=ops, manager=manager)
    assert case.currency == "EUR" and not case.requires_second_approval
    ApprovalThreshold.objects.create(organization=org, currency="EUR", amount=Decimal("50000"))
    case = workflow.send_back(chargeback=case, actor=manager, comment="redo")
    assert workflow.request_approval(chargeback=case, actor=ops).requires_second_approval


def test_missing_evidence_blocks_the_approval_request(case, ops):
    case = workflow.start_review(chargeback=case, actor=ops)
    assert "request_approval" not in [t.name for t in available_transitions(case, ops)]
    with pytest.raises(WorkflowError, match="Missing evidence: Bill of lading or Proof of delivery"):
        workflow.request_approval(chargeback=case, actor=ops)


def test_price_claims_need_no_evidence(account, ops):
    case = make_chargeback(account, family=DeductionFamily.PRICE, deduction_type="price_discrepancy")
    case = workflow.start_review(chargeback=case, actor=ops)
    assert workflow.request_approval(chargeback=case, actor=ops).state == S.PENDING_APPROVAL


def test_closed_window_blocks_every_step_towards_filing(case, ops, manager):
    case = walk(case, S.APPROVED, ops=ops, manager=manager)
    Chargeback.objects.filter(pk=case.pk).update(due_on=today() - timedelta(days=1))
    with pytest.raises(WorkflowError, match="The dispute window closed on"):
        workflow.file_dispute(chargeback=reload(case), actor=ops, amazon_case_id="1")
    fresh = make_chargeback(case.account, due_on=today() - timedelta(days=1))
    with pytest.raises(WorkflowError, match="window closed"):
        workflow.start_review(chargeback=fresh, actor=ops)


def test_the_last_day_of_the_window_still_counts(account, ops):
    case = make_chargeback(account, due_on=today())
    assert workflow.start_review(chargeback=case, actor=ops).state == S.IN_REVIEW


def test_not_yet_disputable_cases_wait(account, ops):
    case = make_chargeback(account, disputable_from=today() + timedelta(days=5))
    with pytest.raises(WorkflowError, match="Amazon accepts disputes only from"):
        workflow.start_review(chargeback=case, actor=ops)
    case = workflow.wait_until_disputable(chargeback=case)  # the scheduler
    assert case.state == S.WAITING and case.history.first().history_user is None
    with pytest.raises(WorkflowError):
        workflow.release(chargeback=case)
    Chargeback.objects.filter(pk=case.pk).update(disputable_from=today())
    assert workflow.release(chargeback=reload(case)).state == S.NEW


def test_send_back_needs_a_comment_and_clears_approvals(case, ops, manager):
    case = walk(case, S.PENDING_APPROVAL, ops=ops, manager=manager)
    with pytest.raises(ValidationError):
        workflow.send_back(chargeback=case, actor=manager, comment="  ")
    case = workflow.send_back(chargeback=case, actor=manager, comment="POD is for another PO")
    assert case.state == S.IN_REVIEW
    decision = Approval.objects.get(chargeback=case)
    assert (decision.decision, decision.comment) == (ApprovalDecision.SENT_BACK, "POD is for another PO")
    assert Comment.objects.get(chargeback=case).body == "Sent back: POD is for another PO"
    assert case.history.first().history_change_reason == "Send back: POD is for another PO"


def test_accept_needs_a_reason_and_writes_the_amount_off(case, ops, finance):
    with pytest.raises(ValidationError):
        workflow.accept_deduction(chargeback=case, actor=ops, reason="")
    case = workflow.accept_deduction(chargeback=case, actor=ops, reason="Units really were short")
    assert (case.state, case.written_off_amount, case.resolution_reason) == (
        S.ACCEPTED,
        Decimal("250.00"),
        "Units really were short",
    )
    with pytest.raises(WorkflowError, match="not possible on a case that is accepted"):
        workflow.start_review(chargeback=case, actor=ops)


def test_recovery_is_checked_against_the_case(case, ops, manager, finance, other_account, account):
    case = walk(case, S.DISPUTED, ops=ops, manager=manager)
    case = workflow.record_amazon_approval(chargeback=case, actor=finance)
    assert case.amazon_approved_amount == Decimal("250.00")
    with pytest.raises(ValidationError, match="at most 250.00"):
        workflow.record_recovery(chargeback=case, actor=finance, amount="250.01", reference="x")
    with pytest.raises(ValidationError, match="more decimals"):
        workflow.record_recovery(chargeback=case, actor=finance, amount="1.001", reference="x")
    foreign = Remittance.objects.create(
        account=other_account, payment_number="R1", payment_date=today(), amount=Decimal("1"), currency="USD"
    )
    line = RemittanceLine.objects.create(
        remittance=foreign, line_number=1, invoice_number="X", amount=Decimal("10"), currency="USD"
    )
    with pytest.raises(ValidationError, match="another vendor account"):
        workflow.record_recovery(chargeback=case, actor=finance, remittance_line=line)
    assert reload(case).state == S.AMAZON_APPROVED


def test_system_actor_only_for_scheduled_transitions(case, ops):
    with pytest.raises(PermissionDenied, match="needs a person"):
        workflow.start_review(chargeback=case, actor=None)
    Chargeback.objects.filter(pk=case.pk).update(due_on=today() - timedelta(days=3))
    with pytest.raises(PermissionDenied):  # people do not expire cases: the scheduler does
        workflow.expire(chargeback=reload(case), actor=ops)
    assert workflow.expire(chargeback=reload(case)).state == S.EXPIRED


def test_expire_needs_a_closed_window_and_an_unfiled_case(case, ops, manager):
    with pytest.raises(WorkflowError, match="still open"):
        workflow.expire(chargeback=case)
    case = walk(case, S.DISPUTED, ops=ops, manager=manager)
    Chargeback.objects.filter(pk=case.pk).update(due_on=today() - timedelta(days=3))
    with pytest.raises(WorkflowError, match="disputed with amazon"):
        workflow.expire(chargeback=reload(case))


def test_stale_copy_gets_case_changed_and_nothing_is_half_applied(case, ops, manager, manager2):
    case = walk(case, S.PENDING_APPROVAL, ops=ops, manager=manager)
    seen_by_maria, seen_by_mona = reload(case), reload(case)
    workflow.approve_dispute(chargeback=seen_by_maria, actor=manager)
    before = (OutboxEvent.objects.count(), Approval.objects.count(), reload(case).history.count())
    with pytest.raises(CaseChanged, match="changed while you were looking at it"):
        workflow.send_back(chargeback=seen_by_mona, actor=manager2, comment="wait")
    assert (OutboxEvent.objects.count(), Approval.objects.count(), reload(case).history.count()) == before
    assert reload(case).state == S.APPROVED


def test_concurrent_transition_mixin_refuses_a_save_from_a_stale_state(case, ops):
    from django.db import transaction
    from django_fsm import ConcurrentTransition

    stale = reload(case)
    workflow.start_review(chargeback=case, actor=ops)
    stale.accept_deduction(by=ops, reason="bypassing the services")
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        stale.save()
    assert reload(case).state == S.IN_REVIEW


def test_state_cannot_be_set_directly(case):
    with pytest.raises(AttributeError):
        case.state = S.RECOVERED


def test_buttons_follow_role_state_and_conditions(case, ops, manager, finance):
    assert [t.name for t in available_transitions(case, ops)] == ["accept_deduction", "start_review"]
    assert [t.name for t in available_transitions(case, finance)] == []
    case = walk(case, S.PENDING_APPROVAL, ops=ops, manager=manager)
    assert [t.name for t in available_transitions(case, manager)] == ["approve_dispute", "send_back"]
    assert available_transitions(case, ops) == []


def test_timeline_answers_who_changed_what_when_and_why(case, ops, manager):
    from refunds.services.assignment import assign_to_me
    from refunds.services.timeline import case_timeline

    case = assign_to_me(chargeback=case, actor=ops)
    case = walk(case, S.APPROVED, ops=ops, manager=manager)
    entries = case_timeline(case)
    assert entries[-1].kind == "created"
    newest = entries[0]
    assert (newest.who, newest.why) == ("maria", "Approve dispute: Manager approval")
    changed = {c.field: (c.old, c.new) for c in newest.changes}
    assert changed["state"] == ("Pending approval", "Approved for dispute")
    assert changed["approved_by"] == ("—", "maria")
    assigned = next(e for e in entries if e.why == "Assigned to olivia")
    assert {c.field for c in assigned.changes} == {"assignee", "assigned_at"}
    assert all(e.who in {"olivia", "maria"} for e in entries[:-1])


def test_a_fully_recovered_case_takes_no_more_credits(case, ops, manager, finance):
    case = walk(case, S.DISPUTED, ops=ops, manager=manager)
    case = workflow.record_amazon_approval(chargeback=case, actor=finance)
    case = workflow.record_recovery(chargeback=case, actor=finance, amount="250", reference="P1")
    assert "record_recovery" not in [t.name for t in available_transitions(case, finance)]
    with pytest.raises(WorkflowError, match="already been recovered"):
        workflow.record_recovery(chargeback=case, actor=finance, amount="1", reference="P2")
