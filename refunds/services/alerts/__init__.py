"""Alerts: deadline reminders, escalations, digests and data alerts, sent once each.

- `reminders`: what is due now (reminders, escalations, digests) — claims log rows, sends nothing.
- `data`: data incidents reported by datasources.
- `rules`: watch rules matched to cases and turned into recipients.
- `dispatch`: claiming (unique key) and delivering with retries and backoff.
- `channels`: email and the chat webhook formats.

`recent_channel_failures` is what the status page shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from refunds.models.alerts import AlertKind, AlertLog


def recent_channel_failures(organization_ids: Iterable[int] | None, since: datetime) -> list[dict]:
    """Alerts that failed at least once since `since`, newest first, as plain dicts for the status page.

    `organization_ids` None means every organization (superusers); pass the viewer's organizations
    otherwise. Each item: organization_id, channel ("email" or the channel's name), channel_kind,
    kind, subject, status ("pending": will be retried; "failed": gave up; "sent": a retry worked),
    attempts, last_error, last_attempt_at, next_attempt_at.
    """
    rows = (
        AlertLog.objects.exclude(last_error="")
        .exclude(kind=AlertKind.EVENT)
        .filter(last_attempt_at__gte=since)
        .select_related("channel")
        .order_by("-last_attempt_at", "-id")
    )
    if organization_ids is not None:
        rows = rows.filter(organization_id__in=list(organization_ids))
    return [
        {
            "organization_id": row.organization_id,
            "channel": row.channel.name if row.channel_id else "email",
            "channel_kind": row.channel.kind if row.channel_id else "email",
            "kind": row.kind,
            "subject": row.subject,
            "status": row.status,
            "attempts": row.attempts,
            "last_error": row.last_error,
            "last_attempt_at": row.last_attempt_at,
            "next_attempt_at": row.next_attempt_at if row.status == "pending" else None,
        }
        for row in rows[:200]
    ]
