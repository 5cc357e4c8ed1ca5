"""The alerts' section of the status page: which alert channels failed lately."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from acorn_portal.status import StatusRow, StatusSection, format_when
from acorn_portal.tenancy import organizations_with_perm
from refunds.services.alerts import recent_channel_failures

WINDOW = timedelta(hours=24)


def alert_channels_section(request, org_ids, now) -> StatusSection:
    """Alerts that failed at least once in the last 24 h, per channel, with what is still retried."""
    allowed = organizations_with_perm(request.user, "refunds.view_alertlog")
    failures = recent_channel_failures(allowed, now - WINDOW)
    rows = [
        StatusRow(
            [
                f"{item['channel']} ({item['channel_kind']})",
                item["subject"],
                {"pending": "⚠ retrying", "failed": "✖ gave up", "sent": "sent after a retry"}.get(
                    item["status"], item["status"]
                ),
                str(item["attempts"]),
                format_when(item["last_attempt_at"], "—"),
                item["last_error"][:300],
            ],
            flagged=item["status"] != "sent",
        )
        for item in failures
    ]
    given_up = sum(item["status"] == "failed" for item in failures)
    retrying = sum(item["status"] == "pending" for item in failures)
    return StatusSection(
        title=_("Alert channels"),
        columns=["Channel", "Alert", "State", "Attempts", "Last attempt", "Last error"],
        rows=rows,
        level="error" if given_up else ("warn" if retrying else "ok"),
        summary=f"{len(failures)} alert(s) failed at least once in the last 24 h: {retrying} being retried, "
        f"{given_up} given up.",
        empty_text="No alert channel failed in the last 24 h.",
    )
