"""The new organization's checklist: steps other apps register, each ticked when its fact is true.

acorn_portal imports none of the apps, so each app declares its steps in an `onboarding` module
(found by `autodiscover_modules`, like admin.py):

    from acorn_portal.checklist import register_step

    @register_step("first_source", "Add a data source", order=40)
    def first_source(organization, user):
        return DataSource.objects.filter(account__organization=organization).exists(), reverse(...)

A step returns (done, where to do it). Each check is a single EXISTS query.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules

_STEPS: dict[str, tuple[int, str, Callable]] = {}
_discovered = False


def register_step(key: str, label: str, *, order: int):
    def register(check: Callable) -> Callable:
        _STEPS[key] = (order, label, check)
        return check

    return register


@dataclass
class Step:
    key: str
    label: str
    done: bool
    url: str


def checklist(organization, user) -> list[Step]:
    global _discovered
    if not _discovered:
        autodiscover_modules("onboarding")
        _discovered = True
    steps = []
    for key, (_order, label, check) in sorted(_STEPS.items(), key=lambda item: item[1][0]):
        done, url = check(organization, user)
        steps.append(Step(key=key, label=label, done=bool(done), url=url))
    return steps
