"""Benchmark: ACORN's verdicts on a vendor's real-shaped files, against the right answers when given.

    .venv/bin/python bench/accuracy.py --data tests/data/vc-sample --out /tmp/pred.json
    .venv/bin/python bench/accuracy.py --data DIR --out PRED.json --database-url postgres://postgres@127.0.0.1:5432/acorn_accuracy

DIR is a folder in the worked sample's layout (`accounts.json`, `spapi/`, `erp/`, `vc/`; see
tests/data/vc-sample/README.md). The script creates a fresh database (a temporary SQLite file, or
the database of `--database-url`, dropped and created again), creates the organization and its
accounts from `accounts.json`, loads every file through ACORN's own doors (simulator/folder_loader.py:
the SP-API connector over HTTP, the push API, the report import service) with the clock at
`asOf`, evaluates every deduction, and writes PRED.json: one record per deduction

    {"id": "<Issue ID | <invoice>SC | <invoice>PC | co-op Invoice ID>", "action": "dispute|wait|needs_evidence|accept",
     "expected_recovery": "12.34", "due_on": "2026-12-31", "disputable_from": "2026-01-01"}

When DIR/expected.json exists (and only then; nothing else of DIR is read) it prints, one per line:

    precision: …        share of flagged deductions (dispute or wait) that should be disputed
    recall: …           share of deductions that should be disputed that are flagged
    money_flagged: …    share of the recoverable money on flagged deductions (lowest currency; each currency below)
    due_on_exact: …, disputable_from_exact: …, actions_exact: …, recovery_exact: …   (counts out of all)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FLAGGED = {"dispute", "wait"}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path, help="Folder in the worked sample's layout.")
    parser.add_argument("--out", required=True, type=Path, help="Where to write the predictions (JSON).")
    parser.add_argument("--database-url", default="", help="A database to drop and create (default: temporary SQLite).")
    parser.add_argument("--per-account", action="store_true", help="Import vc/by_account/<code>/ instead of vc/*.csv.")
    return parser.parse_args(argv)


def fresh_database(url: str) -> str:
    if not url:
        return f"sqlite:///{Path(tempfile.mkdtemp(prefix='acorn-accuracy-')) / 'accuracy.sqlite3'}"
    if url.startswith("postgres"):
        import psycopg

        base, _, name = url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return url
    raise SystemExit(f"Unsupported database URL {url!r}: give postgres://… or sqlite:///…")


def setup_django(url: str, media_root: Path) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")  # tasks inline, production otherwise
    import django
    from django.conf import settings

    django.setup()
    settings.MEDIA_ROOT = str(media_root)  # the imported files go to a throwaway folder
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import logging

    logging.getLogger("django-q").setLevel(logging.WARNING)  # a line per inline task otherwise


def grade(predicted: list[dict], expected: list[dict]) -> list[str]:
    """The figures, one line each: precision, recall, money flagged, deadline and action exactness."""
    by_id = {p["id"]: p for p in predicted}
    should = [e for e in expected if e.get("should_dispute")]
    flagged = [p for p in predicted if p["action"] in FLAGGED]
    should_ids = {e["id"] for e in should}
    hits = [p for p in flagged if p["id"] in should_ids]
    money = defaultdict(lambda: [Decimal(0), Decimal(0)])  # currency -> [recoverable, on flagged]
    for e in should:
        amount = Decimal(e["recoverable_amount"])
        money[e["currency"]][0] += amount
        if by_id.get(e["id"], {}).get("action") in FLAGGED:
            money[e["currency"]][1] += amount
    shares = {cur: (got / total if total else Decimal(1)) for cur, (total, got) in money.items()}

    def exact(name_p, name_e, convert=str):
        return sum(
            1 for e in expected if e["id"] in by_id and convert(by_id[e["id"]].get(name_p)) == convert(e.get(name_e))
        )

    def amount(value):
        return Decimal(value or "0").quantize(Decimal("0.01"))

    total = len(expected)
    expected_ids = {e["id"] for e in expected}
    lines = [
        f"precision: {len(hits) / len(flagged):.3f}" if flagged else "precision: n/a (nothing flagged)",
        f"recall: {len(hits) / len(should):.3f}" if should else "recall: n/a (nothing to dispute)",
        f"money_flagged: {min(shares.values()):.3f}" if shares else "money_flagged: n/a",
        *(f"money_flagged_{cur}: {share:.3f} of {money[cur][0]:,.2f}" for cur, share in sorted(shares.items())),
        f"due_on_exact: {exact('due_on', 'due_on')}/{total}",
        f"disputable_from_exact: {exact('disputable_from', 'disputable_from')}/{total}",
        f"actions_exact: {exact('action', 'expected_action')}/{total}",
        f"recovery_exact: {exact('expected_recovery', 'recoverable_amount', amount)}/{total}",
        f"deductions: {len(predicted)} predicted, {total} expected, {len(set(by_id) - expected_ids)} unexpected, "
        f"{len(expected_ids - set(by_id))} missing",
    ]
    return lines


def main(argv=None) -> int:
    args = parse_args(argv)
    data = args.data.resolve()
    url = fresh_database(args.database_url)
    setup_django(url, Path(tempfile.mkdtemp(prefix="acorn-accuracy-media-")))
    from simulator.folder_loader import evaluate_all, load_folder, predictions

    started = time.perf_counter()
    loaded = load_folder(data, per_account=args.per_account)
    evaluate_all(loaded)
    predicted = predictions(loaded)
    args.out.write_text(json.dumps(predicted, indent=1) + "\n")
    print(
        f"# {len(predicted)} deductions judged as of {loaded.as_of} in {time.perf_counter() - started:.1f}s; {args.out}"
    )
    for problem in loaded.problems:
        print(f"# door refused: {problem}", file=sys.stderr)
    expected_path = data / "expected.json"
    if expected_path.exists():
        expected = json.loads(expected_path.read_text())["deductions"]
        for line in grade(predicted, expected):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
