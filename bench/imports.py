"""Report file imports as jobs: one large defect-list CSV imported by the task the API queues.

    /work/main/.venv/bin/python bench/imports.py [--rows 1000000]
        [--database-url postgres://postgres@127.0.0.1:5432/acorn_bench_imports]

Needs: PostgreSQL (the database named in --database-url is dropped and created; its name must
contain "bench"), the project's virtualenv, and disk for the CSV under var/bench/ (about 60 bytes a
row: 60 MB for a million) plus the stored copy under MEDIA_ROOT. Set ACORN_IMPORT_MAX_BYTES above
the file's size for large runs (the script sets it for its own processes).

What it does:
1. writes a defect-list CSV of --rows operational chargebacks (not timed; cached under var/bench/);
2. drops, creates and migrates the database, creates one organization with one US vendor account;
3. queues the file with `datasources.services.imports.queue_report_file` (what `POST /api/v1/imports/`
   calls: checked, stored in chunks, status queued);
4. runs the task `datasources.tasks.run_file_import` in a child process, the way a qcluster worker
   does, and prints the import's outcome, rows/s over the task's wall time, and the child's peak
   resident memory (ru_maxrss of the finished child).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/acorn_bench_imports"
CACHE_DIR = ROOT / "var" / "bench"
HEADER = "Issue ID,Chargeback Type,Amount,Issue Date,PO #\n"
TYPES = ("ASN Accuracy", "Prep", "Carton Content Accuracy", "Overweight Carton")

WORKER = """
import sys, django
django.setup()
from datasources.tasks import run_file_import
print(run_file_import(int(sys.argv[1])), flush=True)
"""


def csv_file(rows: int) -> Path:
    """The CSV, written once per size, line by line (never held in memory)."""
    path = CACHE_DIR / f"defects-{rows}.csv"
    if path.exists():
        return path
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    with partial.open("w") as out:
        out.write(HEADER)
        for n in range(rows):
            amount = f"{5 + n % 500}.{n % 100:02d}"
            out.write(f"{9_000_000 + n},{TYPES[n % 4]},{amount},10/{1 + n % 28:02d}/2026,PO{n % 50_000:06d}\n")
    partial.rename(path)
    return path


def environment(url: str, size: int) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="acorn_portal.settings",
        ACORN_DEBUG="0",  # DEBUG would keep every query in memory
        SECRET_KEY=env.get("SECRET_KEY", "bench-only-secret-key"),
        ACORN_ENCRYPTION_KEYS=env.get("ACORN_ENCRYPTION_KEYS", "x3dlfUjLy_wMu4-FkqD1h6rbYSF2dX0xX0aaLq6v3OU="),
        ACORN_IMPORT_MAX_BYTES=str(size + 1024),
        ACORN_CACHE_DIR=str(CACHE_DIR / "cache"),
        LOG_LEVEL="WARNING",
    )
    return env


def queue(url: str, path: Path) -> int:
    """Fresh database, one account, the file queued as the API queues it; the import's id."""
    from bench.ingest import recreate_database

    recreate_database(url)
    os.environ.update(environment(url, path.stat().st_size))
    import django

    django.setup()
    from django.core.files import File
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from acorn_portal.models import Organization, VendorAccount
    from datasources.services.imports import queue_report_file

    org = Organization.objects.create(name="Bench", slug="bench")
    account = VendorAccount.objects.create(organization=org, name="BENCH", vendor_codes="BENCH", marketplace="US")
    with path.open("rb") as handle:
        queued = queue_report_file(account=account, kind="chargebacks", file=File(handle, name=path.name), user=None)
    return queued.pk


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args(argv)

    path = csv_file(args.rows)
    print(f"file: {path} ({path.stat().st_size / 1e6:.1f} MB, {args.rows:,} rows)", flush=True)
    import_id = queue(args.database_url, path)
    started = time.monotonic()
    worker = subprocess.run(  # noqa: S603 - this interpreter, our own task
        [sys.executable, "-c", WORKER, str(import_id)],
        cwd=ROOT,
        env=environment(args.database_url, path.stat().st_size),
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if worker.returncode:
        raise SystemExit(f"the task failed:\n{worker.stderr[-3000:]}")
    print(f"task: {worker.stdout.strip()}")
    print(f"rows/s: {args.rows / seconds:,.0f} ({seconds:.1f} s)")
    print(f"worker peak RSS: {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
