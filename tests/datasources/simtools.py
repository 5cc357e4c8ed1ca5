"""Helpers for sync tests: a simulator for the `account` fixture, its data sources, the exact comparison."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from django.utils import timezone

from datasources.connectors.base import DocumentKind
from datasources.models import DataSource, DataSourceKind, SyncStatus
from datasources.services.compare import compare_kind, stored_records
from datasources.services.sync import sync_account
from simulator.catalog import AccountSpec

SEED = 11
DEDUCTIONS = 80
# The acorn US account of tests/conftest.py, as the simulator knows it (key "US", vendor code ACMEU).
SPEC = AccountSpec.for_marketplace("US", vendor_code="ACMEU")
# Fast and patient: no rate limit to speak of, tiny backoff, short timeouts, many attempts.
FAST = {
    "rate_per_second": 10_000,
    "burst": 10_000,
    "backoff_base": 0.001,
    "backoff_cap": 0.01,
    "timeout": 0.3,
    "max_attempts": 12,
}


def sim_options(**extra) -> dict:
    # Yesterday as the simulator's today: everything it serves lies in the past of the connectors' clock.
    today = timezone.now().date() - timedelta(days=1)
    return {"seed": SEED, "accounts": [SPEC], "today": today, "deductions": DEDUCTIONS, **extra}


def make_sources(account, base_url: str, **settings) -> list[DataSource]:
    spapi = DataSource(
        account=account,
        name="SP-API",
        kind=DataSourceKind.SPAPI_VENDOR,
        settings={
            "endpoint": base_url,
            "token_url": f"{base_url}/auth/o2/token",
            "lookback_days": 290,
            **FAST,
            **settings,
        },
    )
    spapi.set_credentials({"client_id": "cid", "client_secret": "csecret", "refresh_token": "sim-refresh-US"})
    feed = DataSource(
        account=account, name="Feed", kind=DataSourceKind.DATA_FEED, settings={"base_url": base_url, **FAST, **settings}
    )
    feed.set_credentials({"api_key": "sim-feed-US"})
    spapi.save()
    feed.save()
    return [spapi, feed]


def sync_until_done(account, attempts: int = 8) -> list:
    """Sync like the schedule would: again after a failed run, each run resuming from the checkpoints."""
    all_runs = []
    for _ in range(attempts):
        runs = sync_account(account.pk, trigger="test")
        all_runs += runs
        if all(run.status == SyncStatus.SUCCEEDED for run in runs):
            return all_runs
    raise AssertionError(f"no clean sync in {attempts} runs: {[run.errors[-1:] for run in all_runs]}")


def assert_matches_simulator(account, data, key: str = "US") -> None:
    """Every natural key and fact field in the database equals the generator's records, kind by kind."""
    for kind in DocumentKind.ALL:
        records = data.records(key, kind)
        if kind == DocumentKind.PURCHASE_ORDERS:
            records = [in_eaches(po) for po in records]
        expected = {data.key_of(kind, record): record for record in records}
        assert expected, f"the simulator generated no {kind}"
        problems = compare_kind(expected, stored_records(account, kind))
        assert not problems, f"{kind}: {len(problems)} differences, e.g. {problems[:5]}"


def in_eaches(po):
    """The simulator's PO as ACORN stores it: quantities acknowledged and received in cases become eaches.

    The simulator's records still count those in cases (and its payloads say Cases); once they hold
    eaches, this becomes the identity and can go.
    """
    items = []
    for item in po.items:
        if item.ordered_unit == "Cases":
            size = item.unit_size
            item = dataclasses.replace(
                item,
                accepted_quantity=None if item.accepted_quantity is None else item.accepted_quantity * size,
                received_quantity=None if item.received_quantity is None else item.received_quantity * size,
                received_unit="Cases" if item.received_quantity is not None else "",
                received_unit_size=size if item.received_quantity is not None else None,
            )
        items.append(item)
    return dataclasses.replace(po, items=items)
