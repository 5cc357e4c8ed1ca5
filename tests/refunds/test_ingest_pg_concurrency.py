"""The PostgreSQL fast path under concurrent writers, on real connections.

A sync batch locks only the rows whose facts it changes, and reads their rollup contributions after
taking the lock: a workflow change committed meanwhile by someone else is neither lost nor counted
twice, and an unchanged row someone is working on never makes the sync wait.
"""

import threading
import time
from datetime import date
from decimal import Decimal

import psycopg
import pytest
from django.db import connection, connections, transaction

from acorn_portal.models import OutboxEvent
from refunds.models import Chargeback, DueDayStat
from refunds.services import stats
from refunds.services.ingest import ChargebackRecord, upsert_chargebacks

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: two connections racing (run with DATABASE_URL=postgres://...)")


def record(n: int, **extra) -> ChargebackRecord:
    values = {
        "amazon_id": f"CC{n:06d}",
        "family": "operational_chargeback",
        "deduction_type": "asn_accuracy",
        "amount": Decimal("40.00") + n,
        "currency": "USD",
        "issue_date": date(2026, 9, 20),
    }
    return ChargebackRecord(**(values | extra))


def other_session():
    """A second connection to the test database, outside Django (a person's request elsewhere)."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params)


def waiting_on_a_lock(application_pid: int) -> bool:
    with other_session() as probe:
        row = probe.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [application_pid]).fetchone()
    return bool(row) and row[0] == "Lock"


def test_an_unchanged_row_locked_elsewhere_does_not_hold_up_the_sync(account):
    upsert_chargebacks(account=account, records=[record(1), record(2)])
    busy = Chargeback.objects.get(amazon_id="CC000001")

    with other_session() as person, person.transaction():
        person.execute("SELECT id FROM refunds_chargeback WHERE id = %s FOR UPDATE", [busy.pk])
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # waiting on that lock would fail the batch
        try:
            result = upsert_chargebacks(account=account, records=[record(1), record(2, amazon_status="Waived")])
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")

    assert (result.updated, result.unchanged) == (1, 1)
    assert Chargeback.objects.get(amazon_id="CC000002").amazon_status == "Waived"
    assert stats.differences() == []


def sync_meanwhile(hold, account, records) -> object:
    """Run `hold(ready, release)` in one thread; once it is ready, sync `records` in another until that
    sync waits on a lock `hold` has, then release it. Returns the sync's result (or its exception)."""
    ready, release = threading.Event(), threading.Event()
    outcome = {}

    def holder():
        try:
            hold(ready, release)
        finally:
            connections.close_all()

    def sync():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                outcome["pid"] = cursor.fetchone()[0]
            outcome["result"] = upsert_chargebacks(account=account, records=records)
        except Exception as exc:  # noqa: BLE001 - the test asserts on it
            outcome["result"] = exc
        finally:
            connections.close_all()

    holding = threading.Thread(target=holder)
    holding.start()
    assert ready.wait(timeout=30)
    syncing = threading.Thread(target=sync)
    syncing.start()
    deadline = time.monotonic() + 30
    while not ("pid" in outcome and waiting_on_a_lock(outcome["pid"])):
        assert time.monotonic() < deadline, "the sync never waited on what the other transaction holds"
        time.sleep(0.05)
    release.set()
    holding.join(timeout=30)
    syncing.join(timeout=30)
    return outcome["result"]


def test_a_workflow_change_committed_while_the_sync_waits_keeps_the_rollups_exact(account):
    """The sync reads a changed row's old contribution after its lock, so a change made meanwhile counts once."""
    upsert_chargebacks(account=account, records=[record(1)])
    case = Chargeback.objects.get(amazon_id="CC000001")

    def person_sets_a_due_date(ready, release):
        with transaction.atomic():
            mine = Chargeback.objects.select_for_update().get(pk=case.pk)
            ready.set()
            release.wait(timeout=30)
            mine.due_on = date(2026, 12, 1)
            mine.save()  # moves the due-date rollup in this transaction

    result = sync_meanwhile(person_sets_a_due_date, account, [record(1, amount=Decimal("99.00"))])

    assert result.updated == 1, result
    case.refresh_from_db()
    assert (case.amount, case.due_on) == (Decimal("99.00"), date(2026, 12, 1))
    assert stats.differences() == []
    due = DueDayStat.objects.get(account=account, day=date(2026, 12, 1))
    assert (due.n, due.amount) == (1, Decimal("99.00"))


def test_a_key_another_writer_inserts_meanwhile_is_left_to_it_and_the_rest_is_written(account):
    """A file import racing a sync: the key it inserted after our probe is skipped, not failed or doubled."""
    upsert_chargebacks(account=account, records=[record(1)])

    def another_writer(ready, release):
        with transaction.atomic():
            upsert_chargebacks(account=account, records=[record(2)])
            ready.set()
            release.wait(timeout=30)

    result = sync_meanwhile(another_writer, account, [record(3), record(2)])

    assert (result.created, result.updated, result.unchanged) == (1, 0, 1), result
    assert Chargeback.objects.filter(account=account).count() == 3
    assert Chargeback.history.filter(amazon_id="CC000002").count() == 1, "one creation, by the other writer"
    assert OutboxEvent.objects.filter(name="chargeback.created").count() == 3, "one event per chargeback"
    assert stats.differences() == []
