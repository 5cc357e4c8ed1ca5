"""Portal notifications: written in the same transaction as what they announce, read and marked read by their person.

Nobody is told about their own action, and only members of the case's organization are told anything.
"""

from django.contrib.auth import get_user_model

from acorn_portal import clock
from acorn_portal.tenancy import perm_in_org
from refunds.models import Notification, NotificationKind


def notify(*, recipients, kind: str, chargeback, text: str, actor=None) -> list[Notification]:
    """One notification per recipient (the actor and non-members skipped)."""
    org_id = chargeback.organization_id
    now = clock.now()
    rows = [
        Notification(
            organization_id=org_id, recipient=user, kind=kind, chargeback=chargeback, text=text[:300], created_at=now
        )
        for user in {user.pk: user for user in recipients if user is not None}.values()
        if (actor is None or user.pk != actor.pk) and perm_in_org(user, "refunds.view_chargeback", org_id)
    ]
    return Notification.objects.bulk_create(rows)


def notify_mentions(*, comment, mentions, actor) -> None:
    case = comment.chargeback
    notify(
        recipients=mentions,
        kind=NotificationKind.MENTION,
        chargeback=case,
        text=f"{actor.get_username()} mentioned you on {case.amazon_id}: {comment.body[:200]}",
        actor=actor,
    )


def notify_assignment(*, chargeback, assignee, actor) -> None:
    who = actor.get_username() if actor else "The assignment rules"
    notify(
        recipients=[assignee],
        kind=NotificationKind.ASSIGNMENT,
        chargeback=chargeback,
        text=f"{who} assigned {chargeback.amazon_id} ({chargeback.money}) to you.",
        actor=actor,
    )


def notify_approval_requested(*, chargeback, actor) -> None:
    """Everyone who could give a still-missing approval on the case."""
    members = get_user_model().objects.filter(is_active=True, memberships__organization_id=chargeback.organization_id)
    approvers = [user for user in members.distinct() if chargeback.approval_levels_open_to(user)]
    notify(
        recipients=approvers,
        kind=NotificationKind.APPROVAL,
        chargeback=chargeback,
        text=f"{actor.get_username()} asks you to approve the dispute of {chargeback.amazon_id} ({chargeback.money}).",
        actor=actor,
    )


def notify_reminder(*, chargeback, recipient_ids, text: str) -> None:
    users = get_user_model().objects.filter(pk__in=set(recipient_ids))
    notify(recipients=list(users), kind=NotificationKind.REMINDER, chargeback=chargeback, text=text)


def mark_read(*, user, ids=None) -> int:
    """Mark the user's notifications read (`ids`, or all of them); another person's ids change nothing."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=clock.now())


def unread_count(user, *, cap: int = 99) -> str:
    """The header's badge: a capped count (never a full COUNT over a long history)."""
    count = Notification.objects.for_user(user).unread().order_by()[: cap + 1].count()
    return f"{cap}+" if count > cap else str(count)
