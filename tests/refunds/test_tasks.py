"""Scheduled work: the deadline sweep and the schedules installed after migrate."""

from datetime import timedelta

from django_q.models import Schedule
from django_q.tasks import async_task

from acorn_portal.schedules import install_schedules
from refunds.choices import ChargebackState
from refunds.models import Chargeback
from refunds.schedules import SCHEDULES
from refunds.services import workflow
from refunds.tasks import expire_case, sweep_deadlines
from tests.refunds.cases import make_chargeback, reload, today, walk

S = ChargebackState


def test_schedules_are_installed_by_migrate_and_reinstalling_changes_nothing(db):
    names = {spec["name"] for spec in SCHEDULES}
    assert set(Schedule.objects.filter(name__in=names).values_list("func", flat=True)) == {
        spec["func"] for spec in SCHEDULES
    }
    install_schedules()
    install_schedules()
    assert Schedule.objects.filter(name__in=names).count() == len(SCHEDULES)


def test_sweep_expires_overdue_unfiled_cases_only_and_is_idempotent(account, ops, manager):
    yesterday = today() - timedelta(days=1)
    overdue_new = make_chargeback(account, due_on=yesterday)
    overdue_review = workflow.start_review(chargeback=make_chargeback(account), actor=ops)
    filed = walk(make_chargeback(account), S.DISPUTED, ops=ops, manager=manager)
    due_today = make_chargeback(account, due_on=today())
    Chargeback.objects.filter(pk__in=[overdue_review.pk, filed.pk]).update(due_on=yesterday)

    assert sweep_deadlines() == "expired 2, parked 0, released 0"
    assert [reload(c).state for c in (overdue_new, overdue_review, filed, due_today)] == [
        S.EXPIRED,
        S.EXPIRED,
        S.DISPUTED,
        S.NEW,
    ]
    expired = reload(overdue_new).history.first()
    assert expired.history_user is None and expired.history_change_reason == f"Expire: window closed on {yesterday}"
    assert sweep_deadlines() == "expired 0, parked 0, released 0"
    assert expire_case(overdue_new.pk) == "unchanged"
    assert expire_case(999999) == "unchanged"


def test_sweep_parks_blackout_cases_and_releases_them(account):
    case = make_chargeback(account, disputable_from=today() + timedelta(days=3))
    assert sweep_deadlines() == "expired 0, parked 1, released 0"
    assert reload(case).state == S.WAITING
    Chargeback.objects.filter(pk=case.pk).update(disputable_from=today())
    assert sweep_deadlines() == "expired 0, parked 0, released 1"
    assert reload(case).state == S.NEW


def test_tasks_run_through_django_q(account):
    case = make_chargeback(account, due_on=today() - timedelta(days=2))
    async_task("refunds.tasks.expire_case", case.pk, sync=True)
    assert reload(case).state == S.EXPIRED
