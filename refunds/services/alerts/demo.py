"""The demo organization's alerts: default settings and one watch rule, so the demo reminds people.

Idempotent like the rest of the demo. Emails go to the console backend in the demo (ACORN_DEBUG).
"""

from django.db import transaction

from refunds.models import AlertSettings, WatchRule


def ensure_demo_alerts(organization) -> WatchRule:
    """Default lead times (7, 3, 1) and a rule reminding assignee and team of every open case by email."""
    with transaction.atomic():
        AlertSettings.objects.get_or_create(organization=organization)
        rule, _ = WatchRule.objects.get_or_create(
            organization=organization,
            name="Every open case",
            defaults={"notify_assignee": True, "notify_team": True, "by_email": True},
        )
    return rule
