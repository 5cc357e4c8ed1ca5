"""The queues people work from: one definition each, used by the start page's count and by the case list.

A queue is a filter over the cases a user may see plus the order its list reads in. The start page
counts `queue.cases(base, user)` and the case list (`?queue=<key>`) lists the same queryset, so the
two cannot disagree (tests hold them to it). Dates are judged in each marketplace's own calendar,
like the dashboard's figures (`ChargebackQuerySet._per_local_today`).

Queues are about work that can still be done: "Due in 7 days" never holds a case whose last day
has passed (that is "Overdue"), and "Ready to dispute" only what Amazon accepts today.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from acorn_portal.tenancy import organizations_with_perm
from refunds.choices import ChargebackState, Recommendation

S = ChargebackState

# Before filing and still worth working: everything but parked ("waiting") cases.
WORKABLE_STATES = (S.NEW, S.IN_REVIEW, S.PENDING_APPROVAL, S.APPROVED)
# States in which a preparer has the next step: start, prepare, file, re-dispute.
PREPARER_STATES = (S.NEW, S.IN_REVIEW, S.APPROVED, S.DENIED)
# States in which finance has the next step: Amazon's answer, the credit, a settlement.
OUTCOME_STATES = (S.DISPUTED, S.AMAZON_APPROVED, S.SETTLEMENT)


def in_orgs_with(user, perm: str) -> Q:
    """Cases of the organizations where the user's role grants `perm` (a role in one organization
    says nothing about another)."""
    org_ids = organizations_with_perm(user, perm)
    if org_ids is None:
        return Q()
    return Q(account__organization_id__in=sorted(org_ids))


def window_open(today) -> Q:
    return Q(due_on__isnull=True) | Q(due_on__gte=today)


def disputable(today) -> Q:
    return Q(disputable_from__isnull=True) | Q(disputable_from__lte=today)


def needs_my_action(queryset, user):
    """What only this user can move on, by role: prepare and file their own cases, approve what
    others prepared, record Amazon's answer and the credit, settle a denial."""
    prepare = Q(assignee=user, state__in=PREPARER_STATES) & in_orgs_with(user, "refunds.review_chargeback")
    outcome = Q(state__in=OUTCOME_STATES) & in_orgs_with(user, "refunds.record_outcome")
    settle = Q(state=S.DENIED) & (
        in_orgs_with(user, "refunds.approve_settlement") | in_orgs_with(user, "refunds.open_settlement")
    )
    approve = Q(pk__in=queryset.awaiting_approval_by(user).values("pk"))
    mine = prepare | approve | outcome | settle
    # Pre-filing work only while Amazon still accepts it; after filing the deadline no longer binds.
    return queryset.filter(mine)._per_local_today(lambda today: ~Q(state__in=WORKABLE_STATES) | window_open(today))


def waiting_for_my_approval(queryset, user):
    return queryset.awaiting_approval_by(user)._per_local_today(window_open)


def ready_to_dispute(queryset, user):
    """Matching says dispute, Amazon accepts it today, the window is open, nobody has filed yet."""
    return queryset.filter(state__in=(S.NEW, S.IN_REVIEW), recommendation=Recommendation.DISPUTE)._per_local_today(
        lambda today: disputable(today) & window_open(today)
    )


def needs_evidence(queryset, user):
    return queryset.filter(
        state__in=(S.NEW, S.IN_REVIEW), recommendation=Recommendation.NEEDS_EVIDENCE
    )._per_local_today(window_open)


def due_within_week(queryset, user):
    """Not yet filed, last day from today to today + 7 (never a day already past).

    The accounts' calendars can say two dates; the range over both bounds the condition too (it
    changes no row), so the list reads those eight or nine days off an index.
    """
    return queryset.filter(state__in=WORKABLE_STATES + (S.WAITING,))._per_local_today(
        lambda today: Q(due_on__gte=today, due_on__lte=today + timedelta(days=7)),
        bound=lambda earliest, latest: Q(due_on__gte=earliest, due_on__lte=latest + timedelta(days=7)),
    )


def overdue(queryset, user):
    return queryset.overdue_local()


def waiting_on_amazon(queryset, user):
    return queryset.filter(state=S.DISPUTED)


def approved_not_paid(queryset, user):
    return queryset.filter(state=S.AMAZON_APPROVED)


def unassigned(queryset, user):
    return queryset.unassigned()


def recently_decided(queryset, user):
    return queryset.recently_decided()


def my_teams(queryset, user):
    return queryset.open().filter(team__members=user)


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    help: str
    build: Callable  # (queryset, user) -> queryset
    ordering: tuple[str, ...]
    applies: Callable = lambda user: True  # whether the start page offers it to this user

    def cases(self, queryset, user):
        return self.build(queryset, user)


def _may(perm: str) -> Callable:
    return lambda user: organizations_with_perm(user, perm) != set()


QUEUES: dict[str, Queue] = {
    queue.key: queue
    for queue in (
        Queue(
            "mine",
            _("Needs my action"),
            _("Cases whose next step is yours: prepare, approve, record Amazon's answer, settle."),
            needs_my_action,
            ("due_on",),
        ),
        Queue(
            "approval",
            _("Waiting for my approval"),
            _("Prepared by someone else, waiting for an approval you may give."),
            waiting_for_my_approval,
            ("due_on",),
            _may("refunds.approve_dispute"),
        ),
        Queue(
            "ready",
            _("Ready to dispute"),
            _("Matching recommends a dispute and Amazon accepts it today; most money and least time first."),
            ready_to_dispute,
            ("-assessment__expected_recovery", "due_on", "id"),
            _may("refunds.prepare_dispute"),
        ),
        Queue(
            "evidence",
            _("Needs evidence"),
            _("Worth disputing once the missing evidence is in."),
            needs_evidence,
            ("due_on",),
            _may("refunds.prepare_dispute"),
        ),
        Queue(
            "due7",
            _("Due in 7 days"),
            _("Not yet filed; Amazon's last day is within the next 7 days."),
            due_within_week,
            ("due_on",),
        ),
        Queue("overdue", _("Overdue"), _("Not yet filed and Amazon's last day has passed."), overdue, ("due_on",)),
        Queue(
            "amazon",
            _("Waiting on Amazon"),
            _("Filed; Amazon has not answered yet."),
            waiting_on_amazon,
            ("filed_on", "id"),
        ),
        Queue(
            "unpaid",
            _("Approved, not paid"),
            _("Amazon reversed these; no credit in a remittance yet."),
            approved_not_paid,
            ("decided_at", "id"),
        ),
        Queue(
            "team",
            _("My teams' cases"),
            _("Open cases routed to a team you are in."),
            my_teams,
            ("due_on",),
            lambda user: user.acorn_teams.exists(),
        ),
        Queue(
            "unassigned",
            _("Unassigned"),
            _("Open cases nobody works yet."),
            unassigned,
            ("due_on",),
            _may("refunds.assign_chargeback"),
        ),
        Queue(
            "decided",
            _("Recently decided"),
            _("Decisions of the last 14 days: Amazon's answers recorded, credits, write-offs, acceptances."),
            recently_decided,
            ("-decided_at", "-id"),
        ),
    )
}


def queue_for(key: str | None) -> Queue | None:
    return QUEUES.get(key or "")
