"""Two people acting on the same case at once, on real concurrent PostgreSQL connections."""

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection

from acorn_portal.models import OutboxEvent
from acorn_portal.roles import Role
from refunds.choices import ChargebackState
from refunds.models import Approval
from refunds.services import workflow
from refunds.services.workflow import CASE_CHANGED_MESSAGE, CaseChanged
from tests.conftest import make_member
from tests.refunds.cases import make_chargeback, reload, today, walk

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# These tests commit for real, so the evidence the walk uploads re-evaluates the case: a claim issued
# long enough ago is past Amazon's matching period and can be sent for approval.
PAST_BLACKOUT = today() - timedelta(days=90)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: SQLite has a single writer, so two connections cannot race "
            "(run with DATABASE_URL=postgres://...)"
        )


def _race(actions):
    """Run each (name, callable) in its own thread and connection, released together by a barrier."""
    from django.db import connections

    barrier = threading.Barrier(len(actions))
    results = {}

    def run(name, action):
        try:
            results[name] = action(barrier)
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test asserts on
            results[name] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_approve_and_send_back_at_once_one_wins_the_other_is_told(account, ops, manager, org):
    mona = make_member(org, "mona", Role.MANAGER)
    case = walk(
        make_chargeback(account, issue_date=PAST_BLACKOUT), ChargebackState.PENDING_APPROVAL, ops=ops, manager=manager
    )
    events_before = OutboxEvent.objects.count()

    def approve(barrier):
        seen = reload(case)  # what maria's page showed
        barrier.wait()
        return workflow.approve_dispute(chargeback=seen, actor=manager)

    def send_back(barrier):
        seen = reload(case)
        barrier.wait()
        return workflow.send_back(chargeback=seen, actor=mona, comment="not convinced")

    results = _race([("approve", approve), ("send_back", send_back)])
    winners = [name for name, result in results.items() if not isinstance(result, Exception)]
    losers = [result for result in results.values() if isinstance(result, Exception)]
    assert len(winners) == 1, results
    assert len(losers) == 1 and isinstance(losers[0], CaseChanged), results
    assert str(losers[0]) == CASE_CHANGED_MESSAGE
    final = reload(case)
    expected = ChargebackState.APPROVED if winners == ["approve"] else ChargebackState.IN_REVIEW
    assert final.state == expected
    # Only the winner's change exists: one decision, one transition's events.
    assert Approval.objects.filter(chargeback=case).count() == 1
    assert OutboxEvent.objects.count() - events_before == 2  # state_changed + approved / sent_back


def test_the_second_writer_waits_for_the_first_and_then_refuses(account, ops, manager, org):
    """A holds the row lock mid-transition; B blocks on it, then sees the change and refuses."""
    mona = make_member(org, "mona", Role.MANAGER)
    case = walk(
        make_chargeback(account, issue_date=PAST_BLACKOUT), ChargebackState.PENDING_APPROVAL, ops=ops, manager=manager
    )
    a_inside, let_a_finish = threading.Event(), threading.Event()
    real_emit = workflow.emit_event

    def slow_emit(*args, **kwargs):
        if threading.current_thread().name == "A":
            a_inside.set()
            let_a_finish.wait(timeout=30)
        return real_emit(*args, **kwargs)

    outcome = {}

    def run_a():
        try:
            outcome["A"] = workflow.approve_dispute(chargeback=reload(case), actor=manager)
        finally:
            from django.db import connections

            connections.close_all()

    def run_b(seen):
        try:
            outcome["B"] = workflow.approve_dispute(chargeback=seen, actor=mona)
        except Exception as exc:  # noqa: BLE001
            outcome["B"] = exc
        finally:
            from django.db import connections

            connections.close_all()

    with mock.patch.object(workflow, "emit_event", slow_emit):
        seen_by_b = reload(case)
        a = threading.Thread(target=run_a, name="A")
        a.start()
        assert a_inside.wait(timeout=30)
        b = threading.Thread(target=run_b, args=(seen_by_b,), name="B")
        b.start()
        b.join(timeout=1)
        assert b.is_alive(), "B must wait for A's row lock"
        let_a_finish.set()
        a.join(timeout=30)
        b.join(timeout=30)
    assert outcome["A"].state == ChargebackState.APPROVED
    assert isinstance(outcome["B"], CaseChanged)
    assert list(Approval.objects.filter(chargeback=case).values_list("approver__username", flat=True)) == ["maria"]
