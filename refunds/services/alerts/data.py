"""Data alerts: what datasources reports about stale accounts, failed syncs and rejected imports.

datasources calls `report_data_incident` with plain facts (refunds never imports datasources). An
*incident* is named by the caller so that it is alerted once: e.g. ``stale:acct12:since-2026-11-24T09:00``
stays the same until the account syncs again, after which a new staleness is a new incident.
The organization's admins and managers hear of it by email and in the chat channels marked for data alerts.
"""

from __future__ import annotations

from datetime import datetime

from acorn_portal import clock
from refunds.models.alerts import AlertKind
from refunds.services.alerts.dispatch import Intent, claim_all
from refunds.services.alerts.rules import OrganizationRules

MAX_INCIDENT_LENGTH = 140


def report_data_incident(
    *,
    organization_id: int,
    incident: str,
    title: str,
    lines: list[str],
    request_ids: list[str] | tuple = (),
    link: str = "",
    now: datetime | None = None,
) -> int:
    """Claim the alerts of one data incident (once per incident and recipient); returns how many were new."""
    if not incident or len(incident) > MAX_INCIDENT_LENGTH:
        raise ValueError(f"An incident needs a name of 1 to {MAX_INCIDENT_LENGTH} characters, not {incident!r}.")
    rules = OrganizationRules(organization_id)
    shown_ids = [rid for rid in request_ids if rid]
    message = {
        "title": title,
        "lines": [*lines, *([f"Request ids: {', '.join(shown_ids[:10])}"] if shown_ids else [])],
        "link": link,
    }
    common = {"organization_id": organization_id, "kind": AlertKind.DATA, "subject": f"[ACORN] {title}"}
    common["message"] = message
    intents = [
        Intent(key=f"data:{incident}:user{user.pk}:email", recipient_id=user.pk, address=user.email, **common)
        for user in rules.data_people()
    ]
    intents += [
        Intent(key=f"data:{incident}:chat{channel.pk}", channel_id=channel.pk, **common)
        for channel in rules.data_channels()
    ]
    return len(claim_all(intents, now=now or clock.now()))
