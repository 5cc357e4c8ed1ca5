"""Periodic work of the refunds app, declared as data and upserted after every migrate."""

from django_q.models import Schedule

SCHEDULES = [
    {
        "name": "refunds: expire overdue cases, park and release blackout cases",
        "func": "refunds.tasks.sweep_deadlines",
        "schedule_type": Schedule.MINUTES,
        "minutes": 30,
    },
    {
        "name": "refunds: route unassigned cases by assignment rules",
        "func": "refunds.tasks.auto_assign_cases",
        "schedule_type": Schedule.MINUTES,
        "minutes": 15,
    },
]


def install_schedules(sender=None, **kwargs) -> None:
    """post_migrate receiver: make the schedules match SCHEDULES (keyed by name; idempotent)."""
    for spec in SCHEDULES:
        defaults = {key: value for key, value in spec.items() if key != "name"}
        Schedule.objects.update_or_create(name=spec["name"], defaults=defaults)
