"""Periodic work of the developer app, declared as data and upserted after every migrate."""

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


def install_schedules(sender=None, **kwargs) -> None:
    """post_migrate receiver: make the schedules match SCHEDULES (keyed by name; idempotent)."""
    for spec in SCHEDULES:
        defaults = {key: value for key, value in spec.items() if key != "name"}
        Schedule.objects.update_or_create(name=spec["name"], defaults=defaults)
