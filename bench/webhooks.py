"""Outbox and webhook costs: what announcing `chargeback.created` adds to a bulk sync, and how fast
the fan-out and the delivery worker go against a real receiver on 127.0.0.1.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/acorn_bench_hooks \\
        /work/main/.venv/bin/python bench/webhooks.py [--rows 20000] [--deliveries 1000]

Creates a throw-away test database (`test_<name>`, dropped at the end), then:
1. ingests `--rows` deductions through `upsert_chargebacks` in chunks of 2,000, alternating between
   two accounts — one with the announcement switched off, one with it on — so a busy machine slows
   both alike; prints rows/s for each and the overhead;
2. fans the outbox out to one subscribed endpoint (one delivery per event) and prints events/s;
3. sends `--deliveries` of them to a local HTTP receiver and prints deliveries/s.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")


def records(prefix: str, count: int):
    from refunds.services.records import ChargebackRecord

    start = date(2026, 10, 1)
    return [
        ChargebackRecord(
            amazon_id=f"{prefix}{i:08d}",
            family="operational_chargeback",
            deduction_type="asn_accuracy",
            amount=Decimal(f"{10 + i % 500}.{i % 100:02d}"),
            currency="USD",
            issue_date=start + timedelta(days=i % 50),
            po_number=f"PO{i % 5000:06d}",
        )
        for i in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--deliveries", type=int, default=1_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(args) -> None:
    from django.db import connection

    from acorn_portal.models import Organization, OutboxEvent, VendorAccount
    from developer.models import WebhookDelivery
    from developer.services.delivery import deliver_due
    from developer.services.endpoints import create_endpoint
    from developer.services.fanout import fan_out_all
    from refunds.services import ingest, ingest_pg
    from tests.developer.receiver import Receiver

    org = Organization.objects.create(name="Bench", slug="bench")
    quiet = VendorAccount.objects.create(organization=org, name="Quiet", vendor_codes="QUIET", marketplace="US")
    loud = VendorAccount.objects.create(organization=org, name="Loud", vendor_codes="LOUDX", marketplace="US")
    receiver = Receiver()
    create_endpoint(organization=org, url=receiver.url, events=["chargeback.created"])

    plan = ingest_pg._plan() if ingest_pg.available() else None
    unannounced = plan and replace(
        plan,
        synced=ingest_pg._synced_sql(plan.insert_columns, plan.insert_values, history=True, announce=False),
        synced_without_history=ingest_pg._synced_sql(
            plan.insert_columns, plan.insert_values, history=False, announce=False
        ),
    )

    def quiet_plan():
        return unannounced

    chunk = 2_000
    plain, announced = records("Q", args.rows), records("L", args.rows)
    spent = {"off": 0.0, "on": 0.0}
    for i in range(0, args.rows, chunk):
        order = [("off", quiet, plain), ("on", loud, announced)]
        for label, account, data in order if (i // chunk) % 2 == 0 else order[::-1]:
            started = time.perf_counter()
            if label == "off":
                silent = lambda *a, **k: 0  # noqa: E731
                with (
                    mock.patch.object(ingest, "announce_created", silent),  # the ORM path (SQLite)
                    mock.patch.object(ingest_pg, "_plan", quiet_plan),  # PostgreSQL's one statement
                ):
                    ingest.upsert_chargebacks(account=account, records=data[i : i + chunk])
            else:
                ingest.upsert_chargebacks(account=account, records=data[i : i + chunk])
            spent[label] += time.perf_counter() - started
    print(f"database: {connection.vendor}, {args.rows:,} new deductions per account, chunks of {chunk:,}")
    print(f"ingest without announcement: {args.rows / spent['off']:,.0f} rows/s")
    print(f"ingest with chargeback.created: {args.rows / spent['on']:,.0f} rows/s")
    print(f"announcement overhead: {100 * (spent['on'] / spent['off'] - 1):+.1f} %")

    started = time.perf_counter()
    created = fan_out_all(max_batches=10_000)
    elapsed = time.perf_counter() - started
    events = OutboxEvent.objects.count()
    print(f"fan-out: {created:,} deliveries from {events:,} outbox events in {elapsed:.2f} s")

    keep = list(WebhookDelivery.objects.order_by("id").values_list("id", flat=True)[: args.deliveries])
    WebhookDelivery.objects.exclude(id__in=keep).delete()
    started = time.perf_counter()
    sent = 0
    while run_ := deliver_due(limit=200):
        if not run_.sent:
            break
        sent += run_.sent
    elapsed = time.perf_counter() - started
    receiver.stop()
    print(f"delivery: {sent:,} signed POSTs to 127.0.0.1 in {elapsed:.2f} s = {sent / elapsed:,.0f} deliveries/s")


if __name__ == "__main__":
    main()
