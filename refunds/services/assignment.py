"""Who works a case: manual assignment, in bulk, and by the organization's routing rules."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from acorn_portal import clock
from acorn_portal.services.events import emit_event
from acorn_portal.tenancy import is_member, perm_in_org
from refunds.choices import CLOSED_STATES, AssignmentStrategy, ChargebackState
from refunds.models import AssignmentRule, Chargeback, Team, WorkflowSettings
from refunds.services.notifications import notify_assignment
from refunds.services.workflow import WorkflowError, _lock


def _check_may_assign(case: Chargeback, actor, assignee) -> None:
    if actor is None:  # the routing rules, run by the scheduler or on ingest
        return
    if perm_in_org(actor, "refunds.assign_chargeback", case.organization_id):
        return
    taking_it = assignee is not None and assignee.pk == actor.pk
    if taking_it and perm_in_org(actor, "refunds.review_chargeback", case.organization_id):
        return
    raise PermissionDenied(_("You may not assign this case."))


def preparers(team: Team) -> list:
    """The team's members who prepare disputes in its organization and approve none: a case routed to
    an approver could never be approved by them (four eyes), so approvers are never routed work."""
    from acorn_portal.services.people import real_people

    org_id = team.organization_id
    members = real_people(
        team.members.filter(is_active=True, memberships__organization_id=org_id).distinct().order_by("pk")
    )
    return [
        member
        for member in members
        if perm_in_org(member, "refunds.prepare_dispute", org_id)
        and not any(perm_in_org(member, perm, org_id) for perm in APPROVER_PERMS)
    ]


APPROVER_PERMS = ("refunds.approve_dispute", "refunds.second_approve_dispute")


def open_loads(users) -> dict[int, int]:
    """Open cases per person (one query)."""
    return dict(
        get_user_model()
        .objects.filter(pk__in=[u.pk for u in users])
        .annotate(open_cases=Count("assigned_chargebacks", filter=~Q(assigned_chargebacks__state__in=CLOSED_STATES)))
        .values_list("pk", "open_cases")
    )


def pick_member(team: Team):
    """The team member the next case goes to, by the team's strategy; None when nobody fits.

    Only preparers (see `preparers`), and nobody already holding the organization's cap of open
    cases: the rest waits with the team rather than piling on one person. Locks the team row so
    that two cases routed at once do not both go to the same person under round robin.
    """
    team = Team.objects.select_for_update().get(pk=team.pk)
    cap = WorkflowSettings.for_organization(team.organization_id).max_open_cases_per_person
    candidates = preparers(team)
    loads = open_loads(candidates)
    members = [m for m in candidates if loads.get(m.pk, 0) < cap]
    if not members:
        return None
    if team.strategy == AssignmentStrategy.ROUND_ROBIN:
        after = [m for m in members if team.last_assigned_id is None or m.pk > team.last_assigned_id]
        chosen = (after or members)[0]
        team.last_assigned = chosen
        team.save(update_fields=["last_assigned"])
        return chosen
    return min(members, key=lambda m: (loads.get(m.pk, 0), m.pk))


def assign(*, chargeback: Chargeback, actor, assignee=None, team: Team | None = None, note: str = "") -> Chargeback:
    """Give the case to a person and/or a team; a team alone picks a member by its strategy.

    Both None unassigns. `actor=None` is the routing rules.
    """
    with transaction.atomic():
        case = _lock(chargeback)
        if case.state in CLOSED_STATES:
            raise WorkflowError("A closed case cannot be assigned.")
        _check_may_assign(case, actor, assignee)
        if team is not None and team.organization_id != case.organization_id:
            raise ValidationError({"team": "That team belongs to another organization."})
        if team is not None and assignee is None:
            assignee = pick_member(team)
        if assignee is not None and not is_member(assignee, case.organization_id):
            raise ValidationError({"assignee": "That person is not a member of this organization."})
        case.assignee, case.team = assignee, team
        case.assigned_at = clock.now() if (assignee or team) else None
        case.workflow_version += 1
        target = ", ".join(str(x) for x in (assignee, team and f"team {team}") if x) or "nobody"
        case._change_reason = f"Assigned to {target}" + (f": {note}" if note else "")
        case._history_user = actor
        case.save()
        emit_event(
            "chargeback.assigned",
            organization=case.account.organization,
            obj=case,
            payload={
                "amazon_id": case.amazon_id,
                "assignee": assignee.get_username() if assignee else None,
                "team": team.name if team else None,
                "actor": actor.get_username() if actor else None,
            },
        )
        if assignee is not None:
            notify_assignment(chargeback=case, assignee=assignee, actor=actor)
        return case


def assign_to_me(*, chargeback: Chargeback, actor) -> Chargeback:
    """Take the case."""
    return assign(chargeback=chargeback, actor=actor, assignee=actor, team=chargeback.team)


def matching_rule(chargeback: Chargeback) -> AssignmentRule | None:
    """The organization's first active rule (by priority) that fits the case."""
    rules = AssignmentRule.objects.filter(organization_id=chargeback.organization_id, is_active=True)
    return next((rule for rule in rules.select_related("team", "user") if rule.matches(chargeback)), None)


def actionable(chargeback: Chargeback) -> bool:
    """New and still disputable in time: routing never hands out a case nobody can work any more."""
    if chargeback.state != ChargebackState.NEW:
        return False
    return chargeback.due_on is None or chargeback.due_on >= chargeback.local_today()


def auto_assign(*, chargeback: Chargeback) -> Chargeback | None:
    """Route an unassigned open case by the rules; None when no rule fits or it is already assigned.

    The assignment itself goes through `assign`, which re-reads the case under a lock, so a case
    someone took in the meantime is reported as changed rather than taken from them.
    """
    if chargeback.assignee_id or chargeback.team_id or not actionable(chargeback):
        return None
    rule = matching_rule(chargeback)
    if rule is None:
        return None
    return assign(chargeback=chargeback, actor=None, assignee=rule.user, team=rule.team, note=f"rule #{rule.pk}")


def route_by_rules(*, chargeback: Chargeback, actor) -> Chargeback:
    """A person asks for the rules to route a case (the scheduler does the same without asking)."""
    if not perm_in_org(actor, "refunds.assign_chargeback", chargeback.organization_id):
        raise PermissionDenied(_("You may not assign this case."))
    routed = auto_assign(chargeback=chargeback)
    if routed is None:
        raise WorkflowError("No assignment rule fits this case, or it is already assigned.")
    return routed


@dataclass
class BulkOutcome:
    """What a bulk action did: the cases it changed and, per failed case, why not."""

    done: list = field(default_factory=list)
    failed: list = field(default_factory=list)  # (chargeback, message)


def for_each(chargebacks, action, **kwargs) -> BulkOutcome:
    """Run a service on each case in its own transaction; one case's refusal does not stop the others."""
    from django_fsm import ConcurrentTransition, TransitionNotAllowed

    outcome = BulkOutcome()
    for case in chargebacks:
        try:
            outcome.done.append(action(chargeback=case, **kwargs))
        except (PermissionDenied, TransitionNotAllowed, ConcurrentTransition) as exc:
            outcome.failed.append((case, str(exc)))
        except ValidationError as exc:
            outcome.failed.append((case, "; ".join(exc.messages)))
    return outcome
