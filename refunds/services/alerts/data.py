"""Data alerts: what datasources reports about stale accounts, failed syncs and rejected imports.

datasources calls `report_data_incident` with plain facts (refunds never imports datasources). An
*incident* is named by the caller so that it is alerted once: e.g. ``stale:acct12:since-2026-11-24T09:00``
stays the same until the account syncs again, after which a new staleness is a new incident.
The organization's admins and managers hear of it by email and in the chat channels marked for data alerts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.utils import translation
from django.utils.translation import gettext

from acorn_portal import clock
from acorn_portal.languages import language_for_user
from acorn_portal.models import Organization
from refunds.models.alerts import AlertKind
from refunds.services.alerts.dispatch import Intent, claim_all
from refunds.services.alerts.rules import OrganizationRules

MAX_INCIDENT_LENGTH = 140


def report_data_incident(
    *,
    organization_id: int,
    incident: str,
    title: str = "",
    lines: list[str] | tuple = (),
    compose: Callable[[], tuple[str, list[str]]] | None = None,
    request_ids: list[str] | tuple = (),
    link: str = "",
    now: datetime | None = None,
) -> int:
    """Claim the alerts of one data incident (once per incident and recipient); returns how many were new.

    Each person reads it in their language (their choice, else the organization's default), a chat
    channel in the organization's default: `compose()` returns (title, lines) in the active language
    (or `title` and `lines`, lazy translations or text, are used as given).
    """
    if not incident or len(incident) > MAX_INCIDENT_LENGTH:
        raise ValueError(f"An incident needs a name of 1 to {MAX_INCIDENT_LENGTH} characters, not {incident!r}.")
    rules = OrganizationRules(organization_id)
    organization = Organization.objects.get(pk=organization_id)
    shown_ids = [rid for rid in request_ids if rid]
    written_in = {}

    def written(language: str) -> dict:
        if language not in written_in:
            with translation.override(language):
                text, rows = compose() if compose is not None else (str(title), [str(line) for line in lines])
                if shown_ids:
                    rows = [*rows, gettext("Request ids: %(ids)s") % {"ids": ", ".join(shown_ids[:10])}]
                written_in[language] = {
                    "organization_id": organization_id,
                    "kind": AlertKind.DATA,
                    "subject": f"[ACORN] {text}",
                    "message": {"title": text, "lines": rows, "link": link, "link_text": gettext("Open in ACORN")},
                }
        return written_in[language]

    intents = [
        Intent(
            key=f"data:{incident}:user{user.pk}:email",
            recipient_id=user.pk,
            address=user.email,
            **written(language_for_user(user, organization)),
        )
        for user in rules.data_people()
    ]
    intents += [
        Intent(
            key=f"data:{incident}:chat{channel.pk}",
            channel_id=channel.pk,
            **written(language_for_user(None, organization)),
        )
        for channel in rules.data_channels()
    ]
    return len(claim_all(intents, now=now or clock.now()))
