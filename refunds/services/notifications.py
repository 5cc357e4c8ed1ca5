"""Portal notifications: written in the same transaction as what they announce, read and marked read by their person.

Nobody is told about their own action, and only members of the case's organization are told anything.
"""

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext

from acorn_portal import clock
from acorn_portal.languages import language_for_user
from acorn_portal.tenancy import perm_in_org
from refunds.models import Notification, NotificationKind


def notify(
    *, recipients, kind: str, chargeback, text: str | dict | Callable[[], str], actor=None
) -> list[Notification]:
    """One notification per recipient (the actor and non-members skipped).

    `text` is the words; or a callable returning them in the active language, so that each recipient
    reads them in their own (their choice, else the organization's default), as their alerts; or the
    words per recipient id, written in each one's language already.
    """
    org_id = chargeback.organization_id
    now = clock.now()
    people = [
        user
        for user in {user.pk: user for user in recipients if user is not None}.values()
        if (actor is None or user.pk != actor.pk) and perm_in_org(user, "refunds.view_chargeback", org_id)
    ]
    rows = [
        Notification(
            organization_id=org_id,
            recipient=user,
            kind=kind,
            chargeback=chargeback,
            text=_written_for(user, chargeback, text)[:300],
            created_at=now,
        )
        for user in people
    ]
    return Notification.objects.bulk_create(rows)


def _written_for(user, chargeback, text) -> str:
    if isinstance(text, dict):  # already written in each recipient's language, by user id
        return str(text[user.pk])
    if not callable(text):
        return str(text)
    with translation.override(language_for_user(user, chargeback.account.organization)):
        return str(text())


def notify_mentions(*, comment, mentions, actor) -> None:
    case = comment.chargeback
    notify(
        recipients=mentions,
        kind=NotificationKind.MENTION,
        chargeback=case,
        text=lambda: gettext("%(who)s mentioned you on %(amazon_id)s: %(comment)s")
        % {"who": actor.get_username(), "amazon_id": case.amazon_id, "comment": comment.body[:200]},
        actor=actor,
    )


def notify_assignment(*, chargeback, assignee, actor) -> None:
    def text():
        values = {"amazon_id": chargeback.amazon_id, "amount": chargeback.money.localized()}
        if actor is None:
            return gettext("The assignment rules assigned %(amazon_id)s (%(amount)s) to you.") % values
        return gettext("%(who)s assigned %(amazon_id)s (%(amount)s) to you.") % {"who": actor.get_username(), **values}

    notify(recipients=[assignee], kind=NotificationKind.ASSIGNMENT, chargeback=chargeback, text=text, actor=actor)


def notify_approval_requested(*, chargeback, actor) -> None:
    """Everyone who could give a still-missing approval on the case."""
    members = get_user_model().objects.filter(is_active=True, memberships__organization_id=chargeback.organization_id)
    approvers = [user for user in members.distinct() if chargeback.approval_levels_open_to(user)]
    notify(
        recipients=approvers,
        kind=NotificationKind.APPROVAL,
        chargeback=chargeback,
        text=lambda: gettext("%(who)s asks you to approve the dispute of %(amazon_id)s (%(amount)s).")
        % {"who": actor.get_username(), "amazon_id": chargeback.amazon_id, "amount": chargeback.money.localized()},
        actor=actor,
    )


def notify_reminder(*, chargeback, texts: dict[int, str]) -> None:
    """The reminder's title, as each recipient's e-mail has it (already in their language), by user id."""
    users = get_user_model().objects.filter(pk__in=set(texts))
    notify(recipients=list(users), kind=NotificationKind.REMINDER, chargeback=chargeback, text=texts)


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
