"""Assignment: by hand, in bulk, and by the organization's routing rules."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from acorn_portal.models import OutboxEvent
from acorn_portal.roles import Role
from refunds.choices import AssignmentStrategy, ChargebackState, DeductionFamily
from refunds.models import AssignmentRule, Chargeback, Team
from refunds.services import workflow
from refunds.services.assignment import assign, assign_to_me, auto_assign, for_each
from refunds.tasks import auto_assign_cases
from tests.conftest import make_member
from tests.refunds.cases import make_chargeback, reload


@pytest.fixture
def team(org, ops):
    ops2 = make_member(org, "otto", Role.OPERATIONS)
    team = Team.objects.create(organization=org, name="Shortages", strategy=AssignmentStrategy.ROUND_ROBIN)
    team.members.add(ops, ops2)
    return team


def test_assign_to_me_writes_history_and_an_event(account, ops):
    case = assign_to_me(chargeback=make_chargeback(account), actor=ops)
    assert case.assignee == ops and case.assigned_at is not None
    record = case.history.first()
    assert (record.history_user, record.history_change_reason, record.assignee_id) == (
        ops,
        "Assigned to olivia",
        ops.pk,
    )
    assert OutboxEvent.objects.get(name="chargeback.assigned").payload["assignee"] == "olivia"


def test_assign_to_someone_else_needs_the_assign_permission(account, ops, finance, manager):
    case = make_chargeback(account)
    with pytest.raises(PermissionDenied):
        assign(chargeback=case, actor=finance, assignee=ops)
    assert assign(chargeback=case, actor=manager, assignee=ops).assignee == ops


def test_only_members_of_the_organization_can_be_assigned(account, manager, outsider):
    with pytest.raises(ValidationError, match="not a member"):
        assign(chargeback=make_chargeback(account), actor=manager, assignee=outsider)


def test_outsider_cannot_assign(account, outsider):
    with pytest.raises(PermissionDenied):
        assign_to_me(chargeback=make_chargeback(account), actor=outsider)


def test_team_round_robin_takes_turns(account, manager, team):
    members = list(team.members.order_by("pk"))
    picked = [assign(chargeback=make_chargeback(account), actor=manager, team=team).assignee for _ in range(3)]
    assert picked == [members[0], members[1], members[0]]


def test_team_least_loaded_picks_the_member_with_fewest_open_cases(account, manager, team, ops):
    team.strategy = AssignmentStrategy.LEAST_LOADED
    team.save()
    other = team.members.exclude(pk=ops.pk).get()
    for _ in range(2):
        assign(chargeback=make_chargeback(account), actor=manager, assignee=ops)
    assert assign(chargeback=make_chargeback(account), actor=manager, team=team).assignee == other


def test_rules_route_by_family_and_amount_band_in_priority_order(account, org, team, manager):
    AssignmentRule.objects.create(
        organization=org, priority=10, family=DeductionFamily.SHORTAGE, currency="USD", min_amount=1000, user=manager
    )
    AssignmentRule.objects.create(organization=org, priority=20, family=DeductionFamily.SHORTAGE, team=team)
    big = auto_assign(chargeback=make_chargeback(account, amount=Decimal("5000")))
    small = auto_assign(chargeback=make_chargeback(account, amount=Decimal("10")))
    price = make_chargeback(account, family=DeductionFamily.PRICE)
    assert (big.assignee, big.team) == (manager, None)
    assert small.team == team and small.assignee in team.members.all()
    assert auto_assign(chargeback=price) is None
    assert big.history.first().history_change_reason.startswith("Assigned to maria: rule #")


def test_amount_band_of_another_currency_never_matches(org, account, manager):
    from acorn_portal.models import VendorAccount

    AssignmentRule.objects.create(organization=org, currency="USD", min_amount=0, user=manager)
    de = VendorAccount.objects.create(organization=org, name="DE", vendor_codes="D", marketplace="DE")
    assert auto_assign(chargeback=make_chargeback(de)) is None


def test_the_scheduled_routing_task_assigns_unassigned_cases_once(account, org, manager):
    AssignmentRule.objects.create(organization=org, user=manager)
    cases = [make_chargeback(account) for _ in range(3)]
    assert auto_assign_cases() == "assigned 3"
    assert auto_assign_cases() == "assigned 0"
    assert all(reload(c).assignee == manager for c in cases)


def test_bulk_assign_reports_each_failure(account, manager, ops):
    open_case = make_chargeback(account)
    closed = workflow.accept_deduction(chargeback=make_chargeback(account), actor=ops, reason="valid")
    outcome = for_each([open_case, closed], assign, actor=manager, assignee=ops)
    assert [c.pk for c in outcome.done] == [open_case.pk]
    assert [(c.pk, msg) for c, msg in outcome.failed] == [(closed.pk, "A closed case cannot be assigned.")]


def test_queues(account, ops, manager, finance):
    mine = assign_to_me(chargeback=make_chargeback(account), actor=ops)
    unassigned = make_chargeback(account)
    qs = Chargeback.objects.visible_to(ops)
    assert list(qs.assigned_to(ops)) == [mine]
    assert list(qs.unassigned()) == [unassigned]
    assert set(qs.due_within(30)) == {mine, unassigned}
    assert list(qs.due_within(7)) == []


def test_rule_validation(org, other_org, manager, outsider):
    other_team = Team.objects.create(organization=other_org, name="Theirs")
    with pytest.raises(ValidationError) as excinfo:
        AssignmentRule(organization=org, team=other_team, min_amount=5).full_clean()
    assert {"team", "currency"} <= set(excinfo.value.message_dict)
    with pytest.raises(ValidationError, match="not a member"):
        AssignmentRule(organization=org, user=outsider).full_clean()


def test_demo_workflow_set_up_is_idempotent_and_routes_cases(org, ops, manager, account):
    from refunds.models import ApprovalThreshold
    from refunds.services.demo_workflow import ensure_demo_workflow

    ops2 = make_member(org, "otto", Role.OPERATIONS)
    users = {"ops": ops, "ops2": ops2, "manager": manager}
    team = ensure_demo_workflow(org, users)
    assert ensure_demo_workflow(org, users) == team
    assert set(team.members.all()) == {ops, ops2}, "the manager approves: never routed work"
    assert AssignmentRule.objects.filter(organization=org).count() == 2
    assert ApprovalThreshold.objects.filter(organization=org).count() == 3
    case = auto_assign(chargeback=make_chargeback(account))
    assert case.team == team and case.assignee in (ops, ops2)


def test_routing_task_leaves_cases_in_progress_and_other_organizations_alone(account, other_account, org, ops):
    AssignmentRule.objects.create(organization=org, user=ops)
    in_review = workflow.start_review(chargeback=make_chargeback(account), actor=ops)
    Chargeback.objects.filter(pk=in_review.pk).update(assignee=None)
    theirs = make_chargeback(other_account)
    fresh = make_chargeback(account)
    assert auto_assign_cases() == "assigned 1"
    assert reload(fresh).assignee == ops
    assert reload(theirs).assignee is None and reload(in_review).assignee is None


def test_routing_never_gives_a_case_to_an_approver(account, manager, team):
    team.members.add(manager)
    picked = {assign(chargeback=make_chargeback(account), actor=manager, team=team).assignee for _ in range(4)}
    assert manager not in picked and len(picked) == 2


def test_service_users_are_never_routed_work_nor_offered_as_people(account, org, manager, team):
    from developer.services.keys import issue_api_key
    from refunds.forms import AssignForm

    key, _secret = issue_api_key(organization=org, name="ERP", scopes=["chargebacks:read"])
    team.members.add(key.user)
    assert key.user not in AssignForm(organization_ids=[org.pk]).fields["assignee"].queryset
    picked = {assign(chargeback=make_chargeback(account), actor=manager, team=team).assignee for _ in range(3)}
    assert key.user not in picked


def test_nobody_is_routed_more_than_the_organizations_cap(account, org, manager, team):
    from refunds.models import WorkflowSettings

    WorkflowSettings.objects.create(organization=org, max_open_cases_per_person=1)
    first, second, third = (assign(chargeback=make_chargeback(account), actor=manager, team=team) for _ in range(3))
    assert {first.assignee, second.assignee} == set(team.members.all())
    assert (third.team, third.assignee) == (team, None), "beyond the cap it waits with the team"


def test_routing_skips_cases_nobody_can_work_any_more(account, org, team):
    from datetime import timedelta

    from tests.refunds.cases import today

    AssignmentRule.objects.create(organization=org, team=team)
    late = make_chargeback(account, due_on=today() - timedelta(days=1))
    waiting = make_chargeback(account, state=ChargebackState.WAITING)
    fresh = make_chargeback(account)
    assert auto_assign_cases() == "assigned 1"
    assert reload(fresh).assignee is not None
    assert reload(late).assignee is None and reload(waiting).assignee is None
