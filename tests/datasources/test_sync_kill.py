"""Kill the worker mid-run (SIGKILL, a real subprocess), start again: nothing lost, nothing duplicated."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from datasources.connectors.base import DocumentKind
from datasources.models import SyncCheckpoint, SyncRun, SyncStatus
from datasources.services.sync import sync_account
from simulator.server import serve
from tests.datasources.simtools import assert_matches_simulator, make_sources, sim_options

LEASE_SECONDS = 1


def database_env() -> dict:
    """Point a child process at the database this test uses (the test database, not the default)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return {"SQLITE_PATH": str(db["NAME"]), "DATABASE_URL": ""}
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return {"DATABASE_URL": f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"}


def wait_for(condition, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the worker")


def mid_shipments(account) -> bool:
    """The worker committed some shipments but has not finished them: a good moment to kill it."""
    run = SyncRun.objects.filter(account=account, status=SyncStatus.RUNNING).first()
    created = run.counts.get(DocumentKind.SHIPMENTS, {}).get("created", 0) if run else 0
    unfinished = SyncCheckpoint.objects.filter(
        data_source__account=account, kind=DocumentKind.SHIPMENTS, position__has_key="window_start"
    ).exists()
    return created > 0 and unfinished


@pytest.mark.django_db(transaction=True)
def test_killed_worker_resumes_from_checkpoint_and_ends_exact(account):
    # Latency makes the run slow enough to be caught in the middle.
    with serve(**sim_options(faults="latency=15ms")) as sim:
        make_sources(account, sim.base_url)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "ACORN_SYNC_LEASE_SECONDS": str(LEASE_SECONDS),
            **database_env(),
        }
        worker = subprocess.Popen(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", "sync_account", "--account", str(account.pk)],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            wait_for(lambda: mid_shipments(account) or worker.poll() is not None)
            assert worker.poll() is None, f"the worker ended before it could be killed: {worker.stderr.read()}"
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        finally:
            if worker.poll() is None:
                worker.kill()
        killed = SyncRun.objects.get(account=account, status=SyncStatus.RUNNING)
        assert killed.total("created") > 0, "the killed run had committed pages"

        time.sleep(LEASE_SECONDS + 0.2)  # the dead worker's lease expires
        runs = sync_account(account.pk, trigger="test")

        assert [run.status for run in runs] == [SyncStatus.SUCCEEDED] * 2
        assert_matches_simulator(account, sim.simulator.data)
    killed.refresh_from_db()
    assert killed.status == SyncStatus.INTERRUPTED
    data = sim.simulator.data
    for kind in (DocumentKind.PURCHASE_ORDERS, DocumentKind.SHIPMENTS):
        created = sum(run.counts.get(kind, {}).get("created", 0) for run in SyncRun.objects.filter(account=account))
        assert created == len(data.records("US", kind)), f"{kind}: every document created exactly once"
    resumed = next(run for run in runs if run.data_source.kind == "spapi_vendor")
    assert 0 < resumed.counts[DocumentKind.SHIPMENTS]["created"] < len(data.records("US", DocumentKind.SHIPMENTS))
