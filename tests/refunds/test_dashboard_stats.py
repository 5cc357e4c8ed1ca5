"""The dashboard rollups stay equal to a recount of the cases, whichever way the cases are written."""

from dataclasses import fields, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from refunds.choices import ChargebackState
from refunds.models import Chargeback, ChargebackDayStat, DueDayStat, RecoveryDayStat
from refunds.services import stats, workflow
from refunds.services.ingest import ChargebackRecord, upsert_chargebacks
from tests.refunds.cases import make_chargeback, reload, walk

# The rollups' dates are November 2026's: the clock stands there.
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(datetime(2026, 11, 21, 18, 0, tzinfo=UTC), tick=False)]
S = ChargebackState


def record(n: int, **extra) -> ChargebackRecord:
    values = {
        "amazon_id": f"RB{n:06d}",
        "family": "operational_chargeback",
        "deduction_type": "asn_accuracy",
        "amount": Decimal("40.00") + n,
        "currency": "USD",
        "issue_date": date(2026, 9, 20) + timedelta(days=n % 3),
    }
    values.update(extra)
    return ChargebackRecord(**values)


def test_rollup_follows_created_cases_exactly(account):
    make_chargeback(account, amount=Decimal("100.10"), issue_date=date(2026, 11, 2))
    make_chargeback(account, amount=Decimal("0.90"), issue_date=date(2026, 11, 2))
    make_chargeback(
        account,
        amount=Decimal("5.00"),
        issue_date=date(2026, 11, 3),
        state=S.RECOVERED,
        recovered_amount=Decimal("4.00"),
        recovered_on=date(2026, 11, 20),
    )
    row = ChargebackDayStat.objects.get(account=account, day=date(2026, 11, 2), state=S.NEW)
    assert (row.n, row.amount) == (2, Decimal("101.00"))
    recovery = RecoveryDayStat.objects.get(account=account, day=date(2026, 11, 20))
    assert (recovery.n, recovery.recovered_amount) == (1, Decimal("4.00"))
    assert stats.differences() == []


def test_rollup_follows_the_workflow_to_recovery(account, ops, manager, finance):
    case = make_chargeback(account, amount=Decimal("250.00"))
    case = walk(case, S.DISPUTED, ops=ops, manager=manager)
    case = workflow.record_amazon_approval(chargeback=case, actor=finance, amount="200.00")
    assert ChargebackDayStat.objects.get(account=account, state=S.AMAZON_APPROVED).amazon_approved_amount == 200
    case = workflow.record_recovery(chargeback=case, actor=finance, amount="150.00", reference="P1")
    case = workflow.record_recovery(chargeback=reload(case), actor=finance, amount="50.00", reference="P2")
    assert stats.differences() == []
    by_state = {row.state: row.n for row in ChargebackDayStat.objects.filter(account=account)}
    assert {state: n for state, n in by_state.items() if n} == {S.RECOVERED: 1}
    assert RecoveryDayStat.objects.get(account=account).recovered_amount == Decimal("200.00")


def test_a_stale_instance_save_still_moves_the_right_contribution(account):
    case = make_chargeback(account, amount=Decimal("10.00"))
    Chargeback.objects.filter(pk=case.pk).update(amount=Decimal("12.00"))  # bypasses save(): repaired below
    stats.rebuild_stats()
    fresh = Chargeback.objects.only("id", "description").get(pk=case.pk)  # deferred fields: read before save
    fresh.description = "note"
    fresh.save()
    assert stats.differences() == []


@pytest.mark.parametrize("fast_path", [False, True])
def test_rollup_follows_sync_upserts(account, fast_path):
    if fast_path and connection.vendor != "postgresql":
        pytest.skip("the fast path is PostgreSQL's")
    records = [record(n) for n in range(30)]
    upsert_chargebacks(account=account, records=records, fast_path=fast_path, batch_size=7)
    assert stats.differences() == []
    # Amazon re-issues some: other amounts, another type, a different issue day.
    changed = [
        replace(r, amount=r.amount + 1, deduction_type="label_defect", issue_date=date(2026, 8, 1)) if i % 4 == 0 else r
        for i, r in enumerate(records)
    ]
    upsert_chargebacks(account=account, records=[*changed, record(99)], fast_path=fast_path, batch_size=7)
    assert stats.differences() == []
    total = sum(row.n for row in ChargebackDayStat.objects.filter(account=account))
    assert total == Chargeback.objects.filter(account=account).count() == 31


def test_differences_name_what_drifted(account):
    case = make_chargeback(account, amount=Decimal("10.00"))
    Chargeback.objects.filter(pk=case.pk).update(amount=Decimal("11.00"))
    problems = stats.differences()
    assert len(problems) == 2 and all("recount" in problem for problem in problems)  # issue day and due day
    stats.rebuild_stats([account.pk])
    assert stats.differences() == []


def test_matching_moving_deadlines_moves_the_due_rollup(account, ops):
    from refunds.services.matching.writer import DERIVED_FIELDS, update_derived_fields

    first = make_chargeback(account, due_on=date(2026, 12, 1))
    second = make_chargeback(account, due_on=None)
    stale = Chargeback.objects.get(pk=first.pk)  # matching's copy, read before someone starts the review
    workflow.start_review(chargeback=reload(first), actor=ops)
    stale.due_on = date(2026, 12, 9)
    other = Chargeback.objects.get(pk=second.pk)
    other.due_on = date(2026, 12, 2)
    update_derived_fields([(cb.pk, *(getattr(cb, name) for name in DERIVED_FIELDS)) for cb in (stale, other)])
    assert stats.differences() == []
    assert Chargeback.objects.get(pk=first.pk).state == S.IN_REVIEW


def test_deleted_cases_leave_the_rollups(account):
    keep = make_chargeback(account, amount=Decimal("3.00"))
    make_chargeback(
        account,
        amount=Decimal("5.00"),
        state=S.RECOVERED,
        recovered_amount=Decimal("5.00"),
        recovered_on=date(2026, 11, 2),
    )
    gone = make_chargeback(account, amount=Decimal("7.00"))
    gone.delete()
    Chargeback.objects.exclude(pk=keep.pk).delete()
    assert stats.differences() == []
    assert sum(row.n for row in ChargebackDayStat.objects.all()) == 1


@pytest.mark.parametrize("fast_path", [False, True])
def test_resync_moves_workflow_contributions_of_changed_cases(account, fast_path):
    """A re-sync changing facts of worked cases moves their recovery and due rollups too, in one batch."""
    if fast_path and connection.vendor != "postgresql":
        pytest.skip("the fast path is PostgreSQL's")
    recovered = make_chargeback(
        account,
        amount=Decimal("5.00"),
        state=S.RECOVERED,
        recovered_amount=Decimal("4.00"),
        recovered_on=date(2026, 11, 20),
    )
    due = make_chargeback(account, amount=Decimal("9.00"), due_on=date(2026, 12, 1))
    untouched = make_chargeback(account, amount=Decimal("2.00"))
    assert stats.differences() == []

    def again(case, **changes):
        values = {f.name: getattr(case, f.name) for f in fields(ChargebackRecord)}
        return ChargebackRecord(**(values | changes))

    records = [
        again(recovered, amount=Decimal("6.00"), deduction_type="label_defect"),
        again(due, issue_date=date(2026, 8, 1), amount=Decimal("11.00")),
        again(untouched),
    ]
    result = upsert_chargebacks(account=account, records=records, fast_path=fast_path)
    assert (result.created, result.updated, result.unchanged) == (0, 2, 1)
    assert stats.differences() == []
    assert reload(recovered).state == S.RECOVERED and reload(recovered).amount == Decimal("6.00")
    moved = RecoveryDayStat.objects.get(account=account, day=date(2026, 11, 20), deduction_type="label_defect")
    assert (moved.n, moved.recovered_amount) == (1, Decimal("4.00"))
    assert DueDayStat.objects.get(account=account, day=date(2026, 12, 1), state=S.NEW).amount == Decimal("11.00")
    # The same records again change nothing: no rollup row moves.
    before = stats.stored([account.pk])
    result = upsert_chargebacks(account=account, records=records, fast_path=fast_path)
    assert (result.updated, result.unchanged) == (0, 3) and stats.stored([account.pk]) == before
