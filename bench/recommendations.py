"""Benchmark: how right, how timely and how fast the recommendations are, against the simulator's answers.

    .venv/bin/python bench/recommendations.py                       # 20,000 deductions, default scenario
    .venv/bin/python bench/recommendations.py --deductions 100000   # the speed target

It creates a fresh database of its own (PostgreSQL `acorn_bench` on the server of DATABASE_URL, or
on 127.0.0.1:5432 when one answers; otherwise a temporary SQLite file), migrates it, generates the
demo scenario with `simulator`, ingests it through `refunds.services.ingest`, runs
matching over every deduction, and grades the verdicts against `SimulatedTruth` — which the matcher
never reads. It prints, one per line:

    precision: …               share of `dispute` recommendations the simulator says are disputable
    recall: …                  share of disputable deductions recommended for dispute
    recoverable_money_flagged: …  share of the recoverable money recommended for dispute before its
                               deadline (per currency; the lowest currency is the headline)
    evaluated_per_second: …    deductions matched, judged and written per second (wall clock)

Verdicts are taken in replay mode: each deduction as on the first day it could be disputed (after a
shortage's matching period), the way a team working every deduction on time sees it. Judged at the
simulator's "today" instead, most operational and price deductions of its nine months of history
would be past their 30-day windows and rightly marked too late, which would grade the calendar, not
the matching. `--workers` evaluation processes share the deductions (two by default on PostgreSQL,
like the task cluster's two workers; one on SQLite, which has a single writer).
"""

import argparse
import os
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/acorn_bench"
ACCOUNT_WEIGHTS = {"US": 0.5, "CA": 0.2, "DE": 0.3}  # the demo's default scenario


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deductions", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 11, 1))
    parser.add_argument("--workers", type=int, default=0, help="Evaluation processes (default: 2 on PostgreSQL).")
    parser.add_argument("--sqlite", action="store_true", help="Use a temporary SQLite file even if PostgreSQL answers.")
    parser.add_argument(
        "--reuse", action="store_true", help="Re-evaluate the data a previous run left in the database (PostgreSQL)."
    )
    parser.add_argument(
        "--database", default="acorn_bench", help="PostgreSQL database to (re)create (default acorn_bench)."
    )
    return parser.parse_args()


def choose_database(force_sqlite: bool, reuse: bool = False, name: str = "acorn_bench") -> str:
    """A fresh, empty database: recreated on PostgreSQL, a new temporary file on SQLite."""
    if not force_sqlite:
        url = os.environ.get("DATABASE_URL") or DEFAULT_PG
        if url.startswith("postgres"):
            base, _, _ = url.rpartition("/")
            if reuse:
                return f"{base}/{name}"
            try:
                recreate_postgres_database(base, name)
                return f"{base}/{name}"
            except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
                print(f"# PostgreSQL not available ({exc.__class__.__name__}); using SQLite", file=sys.stderr)
    path = Path(tempfile.mkdtemp(prefix="acorn-bench-")) / "bench.sqlite3"
    return f"sqlite:///{path}"


def recreate_postgres_database(base: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")  # production-like: DEBUG off
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load_scenario(args):
    """The demo scenario through ingest: documents, deductions, and (apart) the simulator's answers."""
    from acorn_portal.models import Organization, VendorAccount
    from simulator.generator import generate
    from simulator.loader import account_spec, load

    org = Organization.objects.create(name="Bench Brand", slug="bench")
    accounts = {
        code: VendorAccount.objects.create(
            organization=org, name=f"Bench {code}", vendor_codes=f"BNCH{code}", marketplace=code
        )
        for code in ACCOUNT_WEIGHTS
    }
    specs = [account_spec(accounts[code], weight=weight) for code, weight in ACCOUNT_WEIGHTS.items()]
    stream = generate(seed=args.seed, accounts=specs, today=args.today, deductions=args.deductions)
    load(stream, vendor_accounts={spec.key: accounts[spec.key] for spec in specs})


def forget_verdicts() -> None:
    """For --reuse: back to deductions nobody has evaluated yet."""
    from refunds.models import Chargeback, ChargebackAssessment

    ChargebackAssessment.objects.all().delete()
    Chargeback.objects.update(recommendation="", disputable_from=None, due_on=None, target_on=None)


def analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _backend_cpu(pid) -> float:
    """CPU seconds a local PostgreSQL backend has used (from /proc); 0.0 when it cannot be seen."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except (OSError, TypeError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _backend_pid():
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _evaluate_slice(ids):
    from django.db import connections

    from refunds.services.matching import evaluate_chargebacks

    connections.close_all()  # a forked worker opens its own connection
    pid = _backend_pid()
    cpu, backend = time.process_time(), _backend_cpu(pid)
    run = evaluate_chargebacks(ids, cause="benchmark", replay=True)
    cpu, backend = time.process_time() - cpu, _backend_cpu(pid) - backend
    connections.close_all()
    return run.evaluated, cpu, backend


def evaluate_all(workers: int) -> tuple[int, float, float, float]:
    """Match and judge every deduction; returns (count, seconds of wall clock, CPU seconds in Python,
    CPU seconds in the workers' PostgreSQL backends)."""
    import multiprocessing

    from django.db import connections

    from refunds.models import Chargeback

    ids = list(Chargeback.objects.order_by("id").values_list("id", flat=True))
    started = time.monotonic()
    if workers <= 1:
        results = [_evaluate_slice(ids)]
    else:
        size = -(-len(ids) // workers)
        slices = [ids[i : i + size] for i in range(0, len(ids), size)]
        connections.close_all()
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(_evaluate_slice, slices)
    elapsed = time.monotonic() - started
    return sum(r[0] for r in results), elapsed, sum(r[1] for r in results), sum(r[2] for r in results)


def grade(today_view: bool = False):
    """Compare the stored recommendations with the simulator's answers."""
    from refunds.models import Chargeback
    from simulator.models import SimulatedTruth

    truths = {(t.account_id, t.amazon_id): t for t in SimulatedTruth.objects.all()}
    rows = Chargeback.objects.values_list(
        "account_id", "amazon_id", "recommendation", "due_on", "disputable_from", "assessment__expected_recovery"
    )
    tp = fp = fn = 0
    money_total, money_flagged = defaultdict(Decimal), defaultdict(Decimal)
    for account_id, amazon_id, recommendation, due_on, disputable_from, _recovery in rows:
        truth = truths[(account_id, amazon_id)]
        flagged = recommendation == "dispute"
        in_time = due_on is not None and (disputable_from is None or disputable_from <= due_on)
        if flagged and truth.is_disputable:
            tp += 1
        elif flagged:
            fp += 1
        elif truth.is_disputable:
            fn += 1
        if truth.is_disputable:
            money_total[truth.currency] += truth.expected_recovery
            if flagged and in_time:
                money_flagged[truth.currency] += truth.expected_recovery
    shares = {c: (money_flagged[c] / money_total[c]) if money_total[c] else Decimal(1) for c in money_total}
    return {
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "money": min(shares.values()) if shares else Decimal(1),
        "shares": shares,
        "counts": (tp, fp, fn),
    }


def main():
    args = parse_args()
    url = choose_database(args.sqlite, args.reuse, args.database)
    setup_django(url)
    from django.db import connection

    workers = args.workers or (2 if connection.vendor == "postgresql" else 1)
    started = time.monotonic()
    if args.reuse:
        forget_verdicts()
    else:
        load_scenario(args)
    analyze()
    loaded = time.monotonic() - started
    count, seconds, cpu, backend_cpu = evaluate_all(workers)
    result = grade()
    print(f"precision: {result['precision']:.3f}")
    print(f"recall: {result['recall']:.3f}")
    print(f"recoverable_money_flagged: {result['money']:.3f}")
    print(f"evaluated_per_second: {count / seconds:.0f}")
    tp, fp, fn = result["counts"]
    by_currency = ", ".join(f"{c} {s:.3f}" for c, s in sorted(result["shares"].items()))
    print(f"# {count} deductions on {connection.vendor} ({workers} worker(s)): evaluated in {seconds:.1f}s "
          f"({cpu:.1f} CPU seconds in the workers' Python, {backend_cpu:.1f} in their PostgreSQL backends; "
          f"machine load {os.getloadavg()[0]:.1f}); "
          f"{'data reset' if args.reuse else 'generated and ingested'} in {loaded:.1f}s")  # fmt: skip
    print(f"# dispute: {tp} right, {fp} wrong, {fn} missed; money flagged by currency: {by_currency}")


if __name__ == "__main__":
    main()
