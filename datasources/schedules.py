"""Periodic work of the datasources app, as data; acorn_portal.schedules installs it after each migrate."""

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
