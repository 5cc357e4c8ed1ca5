"""Periodic work of the developer app, declared as data; acorn_portal.schedules installs it after each migrate."""

from django_q.models import Schedule

SCHEDULES = [
    {
        "name": "developer: fan out outbox events to webhooks and send due deliveries",
        "func": "developer.tasks.dispatch_webhooks",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
    },
    {
        "name": "developer: purge idempotency records older than a day",
        "func": "developer.tasks.purge_idempotency_records",
        "schedule_type": Schedule.HOURLY,
    },
]
