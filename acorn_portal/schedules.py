"""Periodic work of the core, as data; `install_schedules` upserts it after each migrate.

See docs/decisions/0003-task-cluster-settings.md.
"""

from django_q.models import Schedule

SCHEDULES = [
    {
        "name": "acorn_portal: retention purge",
        "func": "acorn_portal.tasks.purge_expired_data",
        "schedule_type": Schedule.DAILY,
    },
]


def install_schedules(sender=None, **kwargs) -> None:
    """Create or update the schedules above by name (idempotent); others' schedules are left alone."""
    for spec in SCHEDULES:
        defaults = {key: value for key, value in spec.items() if key != "name"}
        Schedule.objects.update_or_create(name=spec["name"], defaults=defaults)
