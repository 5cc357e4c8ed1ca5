"""Periodic work of the datasources app, as data; `install_schedules` upserts it after each migrate."""

from django_q.models import Schedule

SCHEDULES = [
    {
        "name": "datasources: sync due data sources",
        "func": "datasources.tasks.sync_due_sources",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
    },
    {
        # Claims one alert per stale account and staleness; refunds' delivery schedule sends it.
        "name": "datasources: alert accounts without a successful sync for 24 h",
        "func": "datasources.tasks.check_stale_accounts",
        "schedule_type": Schedule.HOURLY,
    },
]


def install_schedules(sender=None, **kwargs):
    """Create or update the schedules above by name (idempotent); others' schedules are left alone."""
    for spec in SCHEDULES:
        values = {key: value for key, value in spec.items() if key != "name"}
        Schedule.objects.update_or_create(name=spec["name"], defaults=values)
