"""Periodic work, declared as data in each app's `schedules.SCHEDULES` and installed in one place.

`install_schedules` runs once after every migrate and upserts the schedules of every installed app by
name (idempotent; schedules someone added by hand are left alone). See
docs/decisions/0003-task-cluster-settings.md.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django_q.models import Schedule

SCHEDULES = [
    {
        "name": "acorn_portal: retention purge",
        "func": "acorn_portal.tasks.purge_expired_data",
        "schedule_type": Schedule.DAILY,
    },
]


def declared_schedules() -> list[dict]:
    """Every installed app's SCHEDULES, in INSTALLED_APPS order."""
    declared = []
    for app_config in apps.get_app_configs():
        module_name = f"{app_config.name}.schedules"
        if find_spec(module_name) is not None:
            declared.extend(getattr(import_module(module_name), "SCHEDULES", []))
    return declared


def install_schedules(sender=None, **kwargs) -> None:
    """post_migrate receiver: make the stored schedules match the declared ones, keyed by name."""
    for spec in declared_schedules():
        defaults = {key: value for key, value in spec.items() if key != "name"}
        Schedule.objects.update_or_create(name=spec["name"], defaults=defaults)
