"""Ingest speed: a million simulated deductions synced from the simulator, against the raw ceiling.

    /work/main/.venv/bin/python bench/ingest.py [--rows 1000000] [--changed 0.1]
        [--database-url postgres://postgres@127.0.0.1:5432/acorn_bench_ingest] [--ceiling-without-foreign-keys]

What it does (the generator runs first, in worker processes, and is not timed):
1. generates the deductions with the simulator's generator (deductions only: this compares one
   table's shape) and caches them under var/bench/ as pickled batches, so a re-run skips it;
2. drops and creates the database, migrates it, creates one organization with two US accounts, each
   with a data-feed data source (`datasources.connectors.data_feed`) pointing at the simulator;
3. first sync: a simulator child process serves the cached deductions on 127.0.0.1 (the Vendor
   Central simulator's own HTTP server and feed, from this cache instead of its generator), and
   `datasources.services.sync.sync_account` syncs each account the real way: HTTP pages of 500,
   JSON parsed and mapped by the connector, each page upserted (validation, the PostgreSQL
   statement with history, `chargeback.created` and rollups) and committed with its checkpoint,
   then handed to matching. Facts ingest is timed per page: `upsert_chargebacks` plus the page's
   commit (the run's own bookkeeping in between, checkpoint, counts and lease, is not);
4. the ceiling, after each page commits, on the same records: psycopg COPY into the staging table +
   `INSERT … ON CONFLICT … WHERE … IS DISTINCT FROM` into a copy of the chargeback table's shape
   (`LIKE … INCLUDING ALL` plus its foreign keys, see bench/ceiling.py), one transaction per page,
   no validation, no history. Same rows, same page, right after ours: a busy machine slows both;
5. re-sync: a second simulator serves the same deductions with `--changed` of them changed (every
   tenth record: Amazon status and description), the data sources are pointed at it, and 3–4 run
   again (the feed has no "changed since" filter, so the re-sync reads every record, as a real one
   against such a service would);
6. prints, per phase, the whole sync's rows/s and where its time went (HTTP and parsing, facts
   ingest, matching), facts ingest and ceiling rows/s, their ratio, and the peak memory of this
   process (ru_maxrss; the simulator is another process).
"""

from __future__ import annotations

import argparse
import os
import pickle
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/acorn_bench_ingest"
CACHE_DIR = ROOT / "var" / "bench"
ACCOUNT_KEYS = ("BENCH1", "BENCH2")  # two accounts, generated in parallel (the generator is the slow part)
TODAY = date(2026, 11, 1)
BATCH = 1000  # records per cached batch


# --------------------------------------------------------------------------------------------------
# Data: generated once, cached as pickled batches; the simulator child serves them (this process
# only ever holds a page)


def _generate_part(seed: int, key: str, deductions: int, path: str) -> int:
    """Worker: one account's deductions into `path`, BATCH records per pickle."""
    from simulator import AccountSpec, Kind, generate

    spec = AccountSpec.for_marketplace("US", vendor_code=key[:5], key=key)
    count, batch = 0, []
    with open(path + ".part", "wb") as out:
        for item in generate(seed=seed, accounts=[spec], today=TODAY, deductions=deductions):
            if item.kind == Kind.CHARGEBACK:
                batch.append(item.record)
                if len(batch) == BATCH:
                    pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)
                    count, batch = count + len(batch), []
        if batch:
            pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)
            count += len(batch)
    os.replace(path + ".part", path)
    return count


def cached_parts(seed: int, rows: int) -> dict[str, Path]:
    """The cache file of each account, generating the missing ones in parallel."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    share = rows // len(ACCOUNT_KEYS)
    parts = {key: CACHE_DIR / f"deductions-{seed}-{rows}-{key}.pickle" for key in ACCOUNT_KEYS}
    missing = {key: path for key, path in parts.items() if not path.exists()}
    if missing:
        print(f"generating {rows:,} deductions (cached in {CACHE_DIR}) ...", flush=True)
        started = time.perf_counter()
        with ProcessPoolExecutor(max_workers=len(missing)) as pool:
            jobs = [pool.submit(_generate_part, seed, key, share, str(path)) for key, path in missing.items()]
            for job in jobs:
                job.result()
        print(f"generated in {time.perf_counter() - started:,.0f} s", flush=True)
    return parts


def read_batches(path: Path) -> Iterator[list]:
    """The cached batches of one account, one at a time."""
    with open(path, "rb") as source:
        while True:
            try:
                yield pickle.load(source)  # noqa: S301 - our own cache file
            except EOFError:
                return


def changed_records(batches: Iterator[list], share: float) -> Iterator[list]:
    """The same records with every 1/share-th one changed the way Amazon changes a deduction."""
    step = round(1 / share)
    for batch in batches:
        yield [
            replace(r, amazon_status="Waived" if r.amazon_status != "Waived" else "Charged", description="Re-issued")
            if i % step == 0
            else r
            for i, r in enumerate(batch)
        ]


# --------------------------------------------------------------------------------------------------
# Database


def recreate_database(url: str) -> None:
    """Drop and create the bench database (never the one the portal runs on: the name is checked)."""
    import psycopg

    base, _, name = url.rpartition("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: the bench database's name must contain 'bench'")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str | None) -> None:
    """Django on the bench database, migrated; production settings with DEBUG off (no database: the simulator)."""
    if url:
        os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "acorn_portal.settings")
    os.environ.setdefault("ACORN_OUTBOUND_ALLOWED_NETWORKS", "127.0.0.1/32")  # the simulator, on loopback
    os.environ.setdefault("ACORN_DEBUG", "0")  # DEBUG would keep every query in memory
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("ACORN_ENCRYPTION_KEYS", "x3dlfUjLy_wMu4-FkqD1h6rbYSF2dX0xX0aaLq6v3OU=")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    if url:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def make_accounts() -> dict:
    """One organization with one US vendor account per generated part, each with a data-feed source."""
    from acorn_portal.models import Organization, VendorAccount
    from datasources.models import DataSource, DataSourceKind

    org = Organization.objects.create(name="Bench", slug="bench")
    accounts = {}
    for key in ACCOUNT_KEYS:
        account = VendorAccount.objects.create(organization=org, name=key, vendor_codes=key[:5], marketplace="US")
        source = DataSource(
            account=account,
            name="Feed",
            kind=DataSourceKind.DATA_FEED,
            # The simulator's feed serves at most 500 a page; no rate limit to speak of on loopback.
            settings={"page_size": 500, "rate_per_second": 10_000, "burst": 10_000, "kinds_enabled": ["chargebacks"]},
        )
        source.set_credentials({"api_key": f"sim-feed-{key}"})
        source.save()
        accounts[key] = account
    return accounts


# --------------------------------------------------------------------------------------------------
# The simulator, in a child process, serving the cache


def cached_world(parts: dict[str, Path], share: float | None, seed: int):
    """The simulator's world from the bench's cache instead of its generator: deductions only."""
    from datasources.connectors.base import DocumentKind
    from simulator.catalog import AccountSpec
    from simulator.data import SimulatorData

    def deductions(path: Path):
        batches = read_batches(path)
        return (record for batch in (changed_records(batches, share) if share else batches) for record in batch)

    return SimulatorData.from_records(
        seed=seed,
        accounts=[AccountSpec.for_marketplace("US", vendor_code=key[:5], key=key) for key in parts],
        today=TODAY,
        records={(key, DocumentKind.CHARGEBACKS): deductions(path) for key, path in parts.items()},
    )


def serve(parts: dict[str, Path], share: float | None, seed: int) -> None:
    """Child process: serve the cached world on 127.0.0.1 until killed; the first line printed is the port."""
    from simulator.faults import FaultPlan
    from simulator.server import Simulator, SimulatorHTTPServer

    world = cached_world(parts, share, seed)
    server = SimulatorHTTPServer(("127.0.0.1", 0), Simulator(world, FaultPlan.parse(None, seed=seed)))
    print(server.server_address[1], flush=True)
    server.serve_forever()


@contextmanager
def simulator(parts: dict[str, Path], share: float | None, seed: int) -> Iterator[str]:
    """A simulator child process serving the cache (changed by `share`, if given); yields its base URL."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--seed",
        str(seed),
        "--serve",
        ",".join(f"{k}={v}" for k, v in parts.items()),
    ]
    if share:
        command += ["--serve-changed", str(share)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603 - our own script
    try:
        port = child.stdout.readline().strip()
        if not port.isdigit():
            raise SystemExit(f"the simulator did not start (it printed {port!r})")
        yield f"http://127.0.0.1:{port}"
    finally:
        child.terminate()
        child.wait(timeout=30)


# --------------------------------------------------------------------------------------------------
# One phase: a real sync of every account, facts ingest and the ceiling timed page by page


@dataclass
class Tally:
    """Seconds by part of the sync, and the counts the real path reported."""

    sync: float = 0.0  # the whole sync_account calls, the ceiling's time taken out
    ours: float = 0.0  # upsert_chargebacks + the page's commit (not the run's own bookkeeping before it)
    ceiling: float = 0.0
    matching: float = 0.0
    pages: int = 0
    written: int = 0  # rows the ceiling wrote
    counts: dict = field(default_factory=lambda: dict.fromkeys(("created", "updated", "unchanged", "rejected"), 0))


def run_phase(accounts: dict, base_url: str) -> Tally:
    """Point the data sources at `base_url` and sync every account; time each page's ingest and ceiling."""
    from django.db import transaction

    from bench.ceiling import load_batch
    from datasources.connectors.base import DocumentKind
    from datasources.models import DataSource, SyncStatus
    from datasources.services import sync
    from refunds.services import ingest

    tally = Tally()
    for source in DataSource.objects.filter(account__in=accounts.values()):
        source.settings = {**source.settings, "base_url": base_url}
        source.save(update_fields=["settings"])

    committing = {}  # when the page's last statement (the lease renewal) ended: its commit starts

    def upsert(*, account, records, **options):
        started = time.perf_counter()
        result = ingest.upsert_chargebacks(account=account, records=records, **options)
        upserted = time.perf_counter() - started
        for name in tally.counts:
            tally.counts[name] += getattr(result, name)

        def after_commit():  # the page is committed: ours is done, the ceiling loads the same rows
            tally.ours += upserted + time.perf_counter() - committing["at"]
            tally.pages += 1
            started_ceiling = time.perf_counter()
            tally.written += load_batch(account.pk, records)
            tally.ceiling += time.perf_counter() - started_ceiling

        transaction.on_commit(after_commit)
        return result

    def renew_lease(*args):
        real_renew_lease(*args)
        committing["at"] = time.perf_counter()

    def hand_onward(ids, **kwargs):
        started = time.perf_counter()
        real_hand_onward(ids, **kwargs)
        tally.matching += time.perf_counter() - started

    real_hand_onward, real_renew_lease = sync.hand_onward, sync.renew_lease
    with (
        mock.patch.dict(sync.UPSERTS, {DocumentKind.CHARGEBACKS: upsert}),
        mock.patch.object(sync, "hand_onward", hand_onward),
        mock.patch.object(sync, "renew_lease", renew_lease),
    ):
        started = time.perf_counter()
        for account in accounts.values():
            for run in sync.sync_account(account.pk, trigger="bench"):
                if run.status != SyncStatus.SUCCEEDED:
                    raise SystemExit(f"the sync of {account} failed: {run.errors[-1:]}")
        tally.sync = time.perf_counter() - started - tally.ceiling
    return tally


def report(label: str, ceiling_label: str, tally: Tally) -> tuple[float, float]:
    """Print one phase's rates (the sync, its facts ingest, the ceiling) and return facts ingest and ceiling."""
    rows = sum(tally.counts.values())  # what the feed served and the sync took in
    mine, best = rows / tally.ours, rows / tally.ceiling
    fetched = tally.sync - tally.ours - tally.matching
    print(f"{label}: the whole sync {rows / tally.sync:,.0f} rows/s ({tally.sync:,.1f} s, {tally.pages:,} pages)")
    print(f"  HTTP, parsing and run bookkeeping {fetched:,.1f} s, facts ingest {tally.ours:,.1f} s, ", end="")
    print(f"matching {tally.matching:,.1f} s")
    print("  chargebacks: " + ", ".join(f"{count:,} {name}" for name, count in tally.counts.items()))
    print(f"{label} facts ingest: {mine:,.0f} rows/s", flush=True)
    print(f"{ceiling_label}: {best:,.0f} rows/s (wrote {tally.written:,} rows)", flush=True)
    return mine, best


# --------------------------------------------------------------------------------------------------


def main(argv=None) -> None:
    """Recreate the database, run both phases, print rates, ratios and peak memory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--changed", type=float, default=0.1, help="share of records changed in the re-sync")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument(
        "--ceiling-without-foreign-keys",
        action="store_true",
        help="load the ceiling's table without the chargeback table's foreign keys (not a shape the app could use)",
    )
    parser.add_argument("--serve", help=argparse.SUPPRESS)  # the simulator child: KEY=cache,KEY=cache
    parser.add_argument("--serve-changed", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.serve:
        setup_django(None)
        parts = dict(part.split("=", 1) for part in args.serve.split(","))
        serve({key: Path(path) for key, path in parts.items()}, args.serve_changed, args.seed)
        return

    parts = cached_parts(args.seed, args.rows)
    recreate_database(args.database_url)
    setup_django(args.database_url)
    from bench.ceiling import create_ceiling_table, table_counts

    accounts = make_accounts()
    create_ceiling_table(foreign_keys=not args.ceiling_without_foreign_keys)
    print(f"rows: {args.rows:,} deductions (chargeback facts only), 2 accounts, synced from the simulator's feed")
    keys = "without" if args.ceiling_without_foreign_keys else "with"
    print(
        f"ceiling table: the chargeback table's columns, indexes and constraints, {keys} its foreign keys", flush=True
    )
    with simulator(parts, None, args.seed) as url:
        first, ceiling_first = report("first sync", "ceiling first load", run_phase(accounts, url))
    label = f"re-sync {args.changed:.0%} changed"
    with simulator(parts, args.changed, args.seed) as url:
        again, ceiling_again = report(label, "ceiling re-sync", run_phase(accounts, url))
    print(f"ratio first: {first / ceiling_first:.2f}")
    print(f"ratio re-sync: {again / ceiling_again:.2f}")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    print("tables: " + ", ".join(f"{name} {count:,}" for name, count in table_counts().items()))


if __name__ == "__main__":
    main()
