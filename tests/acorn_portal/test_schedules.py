"""One installer for every app's periodic work."""

from importlib import import_module

import pytest
from django_q.models import Schedule

from acorn_portal.schedules import declared_schedules, install_schedules

pytestmark = pytest.mark.django_db


def test_every_apps_schedules_are_declared_once_and_point_at_real_tasks():
    declared = declared_schedules()
    names = [spec["name"] for spec in declared]
    assert len(names) == len(set(names))
    assert {name.split(":")[0] for name in names} >= {"acorn_portal", "datasources", "developer", "refunds"}
    for spec in declared:
        module, _, function = spec["func"].rpartition(".")
        assert callable(getattr(import_module(module), function)), spec["func"]


def test_install_repairs_an_edited_schedule_and_leaves_hand_made_ones_alone():
    spec = declared_schedules()[0]
    Schedule.objects.filter(name=spec["name"]).update(func="edited.by.hand")
    Schedule.objects.create(name="someone's own report", func="math.floor", schedule_type=Schedule.DAILY)
    install_schedules()
    install_schedules()
    assert Schedule.objects.get(name=spec["name"]).func == spec["func"]
    assert Schedule.objects.filter(name="someone's own report").exists()
    assert Schedule.objects.filter(name__in=[s["name"] for s in declared_schedules()]).count() == len(
        declared_schedules()
    )
