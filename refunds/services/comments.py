"""Comments on a case, with @mentions of colleagues of the case's organization."""

import re

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from acorn_portal.services.events import emit_event
from acorn_portal.tenancy import perm_in_org
from refunds.models import Chargeback, Comment
from refunds.services.notifications import notify_mentions

# "@maria" or "@maria.lopez", not the middle of an e-mail address.
MENTION = re.compile(r"(?<![\w@.])@([\w][\w.+-]*[\w]|[\w])")


def mentioned_users(body: str, organization_id: int):
    """Active members of the organization named with @username in the text; others are ignored."""
    names = {name.lower() for name in MENTION.findall(body)}
    if not names:
        return get_user_model().objects.none()
    users = get_user_model().objects.filter(is_active=True, memberships__organization_id=organization_id)
    return [user for user in users.distinct() if user.get_username().lower() in names]


def add_comment(*, chargeback: Chargeback, actor, body: str) -> Comment:
    """Add a comment, store whom it mentions, and tell the outbox (notifications read from there)."""
    if not perm_in_org(actor, "refunds.add_comment", chargeback.organization_id):
        raise PermissionDenied(_("You may not comment on this case."))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write something."})
    mentions = mentioned_users(body, chargeback.organization_id)
    with transaction.atomic():
        comment = Comment.objects.create(chargeback=chargeback, author=actor, body=body)
        comment.mentions.set(mentions)
        notify_mentions(comment=comment, mentions=mentions, actor=actor)
        emit_event(
            "chargeback.commented",
            organization=chargeback.account.organization,
            obj=chargeback,
            payload={
                "amazon_id": chargeback.amazon_id,
                "comment": comment.pk,
                "author": actor.get_username(),
                "mentions": sorted(user.get_username() for user in mentions),
            },
        )
    return comment
