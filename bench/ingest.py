"""Ingest speed: a million simulated deductions through the real ingest path, against the raw ceiling.

    /work/main/.venv/bin/python bench/ingest.py [--rows 1000000] [--changed 0.1]
        [--database-url postgres://postgres@127.0.0.1:5432/acorn_bench_ingest]

What it does, in one process (the generator runs first, in worker processes, and is not timed):
1. drops and creates the database, migrates it, creates one organization with two US accounts;
2. generates the deductions with the simulator (deductions only: this compares one table's shape)
   and caches them under var/bench/ as pickled batches, so a re-run skips the generator;
3. first sync: every record through `refunds.services.ingest.upsert_chargebacks` (validation,
   the PostgreSQL fast path, history rows), then a re-sync in which `--changed` of them changed
   (every tenth record: Amazon status and description);
4. the ceiling, on a copy of the table's shape (`LIKE … INCLUDING ALL`): psycopg COPY into a
   staging table + `INSERT … ON CONFLICT … WHERE … IS DISTINCT FROM`, no validation, no history.
   Both run on the same chunks of 20,000 records in turn (who goes first alternates), so a busy
   machine slows both alike and the ratio stays meaningful; records are read before the clocks start;
5. prints rows/s for each, the ratios, and the peak memory of this process (ru_maxrss).
"""

from __future__ import annotations

import argparse
import os
import pickle
import resource
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/acorn_bench_ingest"
CACHE_DIR = ROOT / "var" / "bench"
ACCOUNT_KEYS = ("BENCH1", "BENCH2")  # two accounts, generated in parallel (the generator is the slow part)
TODAY = date(2026, 11, 1)
BATCH = 1000


# --------------------------------------------------------------------------------------------------
# Data: generated once, cached as pickled batches, streamed (never all in memory)


def _generate_part(seed: int, key: str, deductions: int, path: str) -> int:
    """Worker: one account's deductions into `path`, BATCH records per pickle."""
    from datasources.simulator import AccountSpec, Kind, generate

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


def setup_django(url: str) -> None:
    """Django on the bench database, migrated; production settings with DEBUG off."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "acorn_portal.settings")
    os.environ.setdefault("ACORN_DEBUG", "0")  # DEBUG would keep every query in memory
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("ACORN_ENCRYPTION_KEYS", "x3dlfUjLy_wMu4-FkqD1h6rbYSF2dX0xX0aaLq6v3OU=")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_accounts() -> dict:
    """One organization with one US vendor account per generated part."""
    from acorn_portal.models import Organization, VendorAccount

    org = Organization.objects.create(name="Bench", slug="bench")
    return {
        key: VendorAccount.objects.create(organization=org, name=key, vendor_codes=key[:5], marketplace="US")
        for key in ACCOUNT_KEYS
    }


# --------------------------------------------------------------------------------------------------
# The two contenders, measured chunk by chunk in turn so that both see the same load on the machine


CHUNK_BATCHES = 20  # 20,000 records in memory at a time


@dataclass
class Tally:
    """Seconds spent by each contender, and what the real path reported."""

    ours: float = 0.0
    ceiling: float = 0.0
    written: int = 0  # rows the ceiling wrote
    result: object = None


def ours(account, records: list) -> object:
    """The real path: refunds.services.ingest.upsert_chargebacks (validation, fast path, history)."""
    from refunds.services.ingest import upsert_chargebacks

    result = upsert_chargebacks(account=account, records=records, change_reason="Bench sync")
    result.created_ids.clear()  # ids are for matching; not what this bench measures memory for
    result.changed_ids.clear()
    return result


def ceiling(account, records: list) -> int:
    """Raw psycopg: COPY each batch into a staging table, one INSERT … ON CONFLICT; rows written."""
    from bench.ceiling import load_batch

    return sum(load_batch(account.pk, records[i : i + BATCH]) for i in range(0, len(records), BATCH))


def run_phase(accounts: dict, parts: dict, share: float | None) -> Tally:
    """One pass over all records: each chunk through the real path and through the ceiling, in turn."""
    from refunds.services.ingest import IngestResult

    tally = Tally(result=IngestResult(kind="chargebacks"))
    turn = 0
    for key, path in parts.items():
        batches = read_batches(path)
        if share:
            batches = changed_records(batches, share)
        while chunk := [record for batch in islice(batches, CHUNK_BATCHES) for record in batch]:
            # Alternate who goes first, so neither always meets a freshly checkpointed database.
            steps = [("ours", ours), ("ceiling", ceiling)]
            for name, step in steps if turn % 2 == 0 else steps[::-1]:
                started = time.perf_counter()
                outcome = step(accounts[key], chunk)
                setattr(tally, name, getattr(tally, name) + time.perf_counter() - started)
                if name == "ours":
                    tally.result.merge(outcome)
                else:
                    tally.written += outcome
            turn += 1
    return tally


def report(label: str, ceiling_label: str, rows: int, tally: Tally) -> tuple[float, float]:
    """Print one phase's rates (real path and ceiling) and return them."""
    mine, best = rows / tally.ours, rows / tally.ceiling
    print(f"{label}: {mine:,.0f} rows/s", flush=True)
    print(f"  {tally.result}")
    print(f"{ceiling_label}: {best:,.0f} rows/s")
    print(f"  ceiling wrote {tally.written:,} rows")
    return mine, best


# --------------------------------------------------------------------------------------------------


def main(argv=None) -> None:
    """Recreate the database, run both phases, print rates, ratios and peak memory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--changed", type=float, default=0.1, help="share of records changed in the re-sync")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args(argv)

    parts = cached_parts(args.seed, args.rows)
    recreate_database(args.database_url)
    setup_django(args.database_url)
    from bench.ceiling import create_ceiling_table, table_counts

    accounts = make_accounts()
    create_ceiling_table()
    rows = args.rows
    print(f"rows: {rows:,} deductions (chargeback facts only), 2 accounts, batches of {BATCH:,}", flush=True)
    first, ceiling_first = report("first sync", "ceiling first load", rows, run_phase(accounts, parts, None))
    label = f"re-sync {args.changed:.0%} changed"
    again, ceiling_again = report(label, "ceiling re-sync", rows, run_phase(accounts, parts, args.changed))
    print(f"ratio first: {first / ceiling_first:.2f}")
    print(f"ratio re-sync: {again / ceiling_again:.2f}")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    print("tables: " + ", ".join(f"{name} {count:,}" for name, count in table_counts().items()))


if __name__ == "__main__":
    main()
