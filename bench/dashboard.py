"""Dashboard speed at a million deductions: the start page's server time and query count.

    /work/main/.venv/bin/python bench/dashboard.py [--rows 1000000] [--requests 15]
        [--database-url postgres://postgres@127.0.0.1:5432/acorn_bench_dashboard]

1. drops and creates the bench database (its name must contain "bench"), migrates it, creates one
   organization with a US, a UK and a DE vendor account and a finance user;
2. loads the deductions with psycopg COPY (facts and workflow columns: states spread the way a
   working portfolio looks, due dates, recoveries), the way bench/ingest.py's ceiling loads, because
   this bench measures reading; then builds the rollups with `refunds.services.stats.rebuild_stats`
   (timed) and checks them against a recount on a sample account;
3. requests the dashboard (and the recovery report) through the Django test client — the whole
   view: filters, figures, charts, template — `--requests` times per filter combination after one
   warm-up, and prints median and p95 server time and the queries per request, with the machine's
   load average beside them. `--reuse` measures again on the data the previous run loaded.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ingest import recreate_database, setup_django  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/acorn_bench_dashboard"
TYPES = {
    "operational_chargeback": ["asn_accuracy", "label_defect", "carton_content", "prep_defect", "appointment"],
    "shortage_claim": ["shortage"],
    "price_claim": ["price_discrepancy"],
    "coop": ["coop_fee"],
}
STATES = [  # (state, weight)
    ("new", 20),
    ("in_review", 10),
    ("pending_approval", 3),
    ("approved", 2),
    ("disputed", 10),
    ("amazon_approved", 5),
    ("denied", 5),
    ("settlement", 1),
    ("recovered", 20),
    ("written_off", 6),
    ("accepted", 12),
    ("expired", 6),
]
COLUMNS = [
    "account_id",
    "amazon_id",
    "family",
    "deduction_type",
    "sub_type",
    "amount",
    "currency",
    "issue_date",
    "po_number",
    "po_number_normalized",
    "asin",
    "invoice_number",
    "amazon_status",
    "amazon_dispute_id",
    "description",
    "state",
    "workflow_version",
    "dispute_round",
    "filed_case_id",
    "recovery_reference",
    "resolution_reason",
    "requires_second_approval",
    "recommendation",
    "due_on",
    "recovered_amount",
    "recovered_on",
    "amazon_approved_amount",
    "written_off_amount",
    "created_at",
    "updated_at",
    "assignee_id",
    "prepared_by_id",
    "state_changed_at",
    "decided_at",
    "coop_agreement_id",
    "reported_currency",
]
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
OPEN = {"new", "in_review", "pending_approval", "approved", "disputed", "amazon_approved", "denied", "settlement"}
DECIDED = {"amazon_approved", "denied", "recovered", "written_off", "accepted", "expired"}


def code(number: int, width: int = 8) -> str:
    """A scrambled base-36 code (PO numbers and ASINs look like "2JK3S9VC"), the same for the same number."""
    number = (number * 2_654_435_761 + 40_503) % 36**width
    digits = []
    for _ in range(width):
        number, digit = divmod(number, 36)
        digits.append(ALNUM[digit])
    return "".join(digits)


def load(accounts, rows: int, seed: int, people=()) -> float:
    """COPY `rows` deductions; with `people` (user ids), a share of open cases is assigned to them."""
    from django.db import connection
    from django.utils import timezone

    rng = random.Random(seed)
    today = date(2026, 11, 26)
    now = timezone.now()
    started = time.perf_counter()
    states = [s for s, w in STATES for _ in range(w)]
    families = list(TYPES)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY refunds_chargeback ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for n in range(rows):
                account = accounts[n % len(accounts)]
                family = families[rng.randrange(len(families))]
                state = states[rng.randrange(len(states))]
                issued = today - timedelta(days=rng.randrange(730))
                amount = f"{rng.randrange(500, 500_000) / 100:.2f}"
                due = issued + timedelta(days=rng.choice((30, 60, 90)))
                recovered = recovered_on = approved = written = None
                if state == "recovered":
                    recovered, recovered_on = amount, min(today, issued + timedelta(days=rng.randrange(20, 120)))
                    approved = amount
                elif state == "amazon_approved":
                    approved = amount
                elif state in ("written_off", "accepted"):
                    written = amount
                # Identifiers the way Amazon writes them: 10-digit issue ids, 8-character POs (20
                # deductions each), ASINs on operational and shortage deductions, invoices on claims.
                po = code(n % 50_000)
                with_asin = family in ("operational_chargeback", "shortage_claim")
                asin = f"B0{code(n % 20_000 + 7_000_000)}" if with_asin else ""
                invoice = f"{40_000_000 + n % 200_000}" if family in ("shortage_claim", "price_claim") else ""
                changed = now - timedelta(days=rng.randrange(730), minutes=rng.randrange(1440))
                assignee = people[n % len(people)] if people and state in OPEN and rng.random() < 0.3 else None
                prepared = people[(n + 1) % len(people)] if people and state == "pending_approval" else None
                copy.write_row(
                    (
                        account.pk,
                        f"{1_100_000_000 + n}",
                        family,
                        rng.choice(TYPES[family]),
                        "",
                        amount,
                        account.currency,
                        issued,
                        po,
                        po,
                        asin,
                        invoice,
                        "",
                        "",
                        "",
                        state,
                        0,
                        0
                        if state in ("new", "in_review", "pending_approval", "approved", "accepted", "expired")
                        else 1,
                        "",
                        "",
                        "",
                        False,
                        "",
                        due,
                        recovered,
                        recovered_on,
                        approved,
                        written,
                        now,
                        now,
                        assignee,
                        prepared,
                        changed,
                        changed if state in DECIDED else None,
                        "",
                        "",
                    )
                )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE refunds_chargeback")
    return time.perf_counter() - started


def measure(client, url, params, requests: int):
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    client.get(url, params)  # warm-up: connection, templates, planner caches
    times, queries = [], 0
    for _ in range(requests):
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, params)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
        queries = len(captured)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, queries


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--reuse", action="store_true", help="measure again on the data the previous run loaded")
    args = parser.parse_args(argv)

    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    # The test settings: production ones but without the static manifest (no collectstatic here).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    if not args.reuse:
        recreate_database(args.database_url)
    setup_django(args.database_url)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from acorn_portal.models import Membership, Organization, VendorAccount
    from refunds.models import Chargeback, ChargebackDayStat, DueDayStat, RecoveryDayStat
    from refunds.services import stats

    if args.reuse:
        accounts = list(VendorAccount.objects.filter(organization__slug="bench").order_by("pk"))
        user = get_user_model().objects.get(username="bench-finance")
        print(f"reusing the previous run's {Chargeback.objects.count():,} deductions", flush=True)
    else:
        org = Organization.objects.create(name="Bench", slug="bench")
        accounts = [
            VendorAccount.objects.create(organization=org, name=f"Bench {m}", vendor_codes=f"BEN{m}", marketplace=m)
            for m in ("US", "UK", "DE")
        ]
        user = get_user_model().objects.create_user("bench-finance", password="bench-only-password")  # noqa: S106
        Membership.objects.create(user=user, organization=org, role="finance")

        print(f"loading {args.rows:,} deductions with COPY ...", flush=True)
        print(f"  loaded in {load(accounts, args.rows, args.seed):.1f} s", flush=True)
        started = time.perf_counter()
        written = stats.rebuild_stats()
        with connection.cursor() as cursor:  # as autovacuum would after a bulk load: the planner needs row counts
            for table in ("refunds_chargebackdaystat", "refunds_recoverydaystat", "refunds_duedaystat"):
                cursor.execute(f"ANALYZE {table}")
        print(
            f"rollups rebuilt from the cases in {time.perf_counter() - started:.1f} s: {written:,} rows "
            f"({ChargebackDayStat.objects.count():,} issue-day, {RecoveryDayStat.objects.count():,} recovery-day, "
            f"{DueDayStat.objects.count():,} due-day)"
        )
        started = time.perf_counter()
        problems = stats.differences([accounts[0].pk])
        print(
            f"rollups vs recount (account {accounts[0]}): {'exact' if not problems else problems[:3]} "
            f"({time.perf_counter() - started:.1f} s)"
        )
        print(f"deductions: {Chargeback.objects.count():,}", flush=True)

    load_average = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load_average} (other work on the machine slows every figure)")
    client = Client()
    client.force_login(user)
    url = "/dashboard/"
    for label, params in (
        ("dashboard, default filters", {}),
        ("dashboard, all time, converted", {"period": "all", "convert_to": "USD"}),
        ("dashboard, one account, 90 days", {"account": accounts[0].pk, "period": "90d"}),
        ("recovery report, by month", {"period": "12m"}),
    ):
        target = "/dashboard/reports/recovery/" if label.startswith("recovery") else url
        median, p95, queries = measure(client, target, params, args.requests)
        print(
            f"{label:38s} median {median * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   {queries} queries"
            f"   ({args.requests} requests)",
            flush=True,
        )


if __name__ == "__main__":
    main()
