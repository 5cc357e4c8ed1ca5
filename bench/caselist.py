"""Case list speed at a million deductions: find, sort, filter and count, with the queries each request runs.

    .venv/bin/python bench/caselist.py [--rows 1000000] [--requests 5] [--reuse] [--explain]
        [--database-url postgres://postgres@127.0.0.1:5432/acorn_caselist_bench]

1. (without --reuse) drops and creates the bench database (its name must contain "bench"), migrates
   it, creates one organization with a US, a UK and a DE vendor account, a finance user and four
   operations people, and loads the deductions with bench/dashboard.py's COPY loader (facts,
   identifiers in Amazon's shapes, states, deadlines, a share of open cases assigned to these
   people), then builds the dashboard rollups. `--reuse` keeps the previous run's data and only
   migrates (a new index migration is applied to the loaded table here, and timed);
2. requests, as the finance user through the Django test client, each page below once to warm up
   and then `--requests` times: the case list as it opens, each queue of the start page, a search by
   PO (spelt the way people type it), by Amazon id, by ASIN and by invoice number, filters by state
   and account, every sortable column in both directions, and the start page with its queue counts;
3. prints median and p95 server time, the median of what the request itself cost (this process's
   CPU time plus the SQL time: what server time is on a quiet machine; on a busy one wall time is
   mostly waiting for a core) and of the SQL time alone, and the queries of each request
   (`--explain` adds the plan of each request's slowest query), with the machine's load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.dashboard import load  # noqa: E402
from bench.ingest import recreate_database, setup_django  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/acorn_caselist_bench"
LIST = "/admin/refunds/chargeback/"
OPERATIONS_PEOPLE = 4


def create_world(rows: int, seed: int):
    from django.contrib.auth import get_user_model

    from acorn_portal.models import Membership, Organization, VendorAccount

    org = Organization.objects.create(name="Bench", slug="bench")
    accounts = [
        VendorAccount.objects.create(organization=org, name=f"Bench {m}", vendor_codes=f"BEN{m}", marketplace=m)
        for m in ("US", "UK", "DE")
    ]
    users = get_user_model().objects
    finance = users.create_user("bench-finance", password="bench-only-password")  # noqa: S106
    Membership.objects.create(user=finance, organization=org, role="finance")
    people = [finance.pk]
    for n in range(OPERATIONS_PEOPLE):
        person = users.create_user(f"bench-ops-{n}", password="bench-only-password")  # noqa: S106
        Membership.objects.create(user=person, organization=org, role="operations")
        people.append(person.pk)
    print(f"loading {rows:,} deductions with COPY ...", flush=True)
    print(f"  loaded in {load(accounts, rows, seed, people=people):.1f} s", flush=True)
    from django.db import connection

    from refunds.services import stats

    started = time.perf_counter()
    stats.rebuild_stats()
    with connection.cursor() as cursor:
        for table in ("refunds_chargebackdaystat", "refunds_recoverydaystat", "refunds_duedaystat"):
            cursor.execute(f"ANALYZE {table}")
    print(f"rollups rebuilt in {time.perf_counter() - started:.1f} s", flush=True)


def sortable_columns(model_admin, request) -> list[tuple[int, str]]:
    """(position, name) of the list's columns a person can sort by (the `o=` parameter's numbers)."""
    from django.core.exceptions import FieldDoesNotExist

    sortable_by = model_admin.get_sortable_by(request)
    columns = []
    for position, name in enumerate(model_admin.get_list_display(request)):
        if name not in sortable_by:
            continue
        try:
            model_admin.model._meta.get_field(name)
        except FieldDoesNotExist:
            attr = getattr(model_admin, name, None) or getattr(model_admin.model, name, None)
            if getattr(attr, "admin_order_field", None) is None:
                continue
        columns.append((position, name))
    return columns


def requests_to_measure(user, model_admin) -> list[tuple[str, str, dict]]:
    from django.test import RequestFactory

    from refunds.admin_queues import QueueFilter
    from refunds.models import Chargeback

    account = Chargeback.objects.order_by("account_id").values_list("account_id", flat=True).first()
    middle = Chargeback.objects.count() // 2
    sample = Chargeback.objects.filter(amazon_id=f"{1_100_000_000 + middle}").get()
    with_asin = Chargeback.objects.exclude(asin="").filter(pk__gte=sample.pk).order_by("pk").first()
    with_invoice = Chargeback.objects.exclude(invoice_number="").filter(pk__gte=sample.pk).order_by("pk").first()
    pages = [
        ("case list, as it opens", LIST, {}),
        *((f"queue: {label}", LIST, {"queue": key}) for key, label in QueueFilter.QUEUES.items()),
        (f"search PO 'po# {sample.po_number.lower()}'", LIST, {"q": f"po# {sample.po_number.lower()}"}),
        (f"search Amazon id '{sample.amazon_id}'", LIST, {"q": sample.amazon_id}),
        (f"search ASIN '{with_asin.asin.lower()}'", LIST, {"q": with_asin.asin.lower()}),
        (f"search invoice '{with_invoice.invoice_number}'", LIST, {"q": with_invoice.invoice_number}),
        ("filter state=new", LIST, {"state__exact": "new"}),
        ("filter state=new, one account", LIST, {"state__exact": "new", "account": account}),
        ("filter state=disputed, one account", LIST, {"state__exact": "disputed", "account": account}),
    ]
    request = RequestFactory().get(LIST)
    request.user = user
    for position, name in sortable_columns(model_admin, request):
        pages.append((f"sort by {name}", LIST, {"o": str(position + 1)}))
        pages.append((f"sort by {name}, descending", LIST, {"o": f"-{position + 1}"}))
    pages.append(("start page (dashboard, queue counts)", "/dashboard/", {}))
    pages.append(("admin sections (queue counts)", "/admin/apps/", {}))
    return pages


def measure(client, url, params, requests: int) -> dict:
    """Median and p95 wall time, and the medians of this process's CPU time and of the SQL time.

    On a machine other work keeps busy, wall time mostly measures waiting for a core; CPU time (the
    view, the template) plus SQL time (as the database client waited for it) is what the request
    itself costs, and what wall time is on a quiet machine.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, params)  # warm-up: connection, templates, planner caches
    walls, cpus, sqls, queries = [], [], [], 0
    for _ in range(requests):
        with CaptureQueriesContext(connection) as captured:
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get(url, params)
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
        assert response.status_code == 200, (url, params, response.status_code)
        sqls.append(sum(float(q["time"]) for q in captured.captured_queries))
        queries = len(captured)
    walls.sort()
    return {
        "median": statistics.median(walls),
        "p95": walls[min(len(walls) - 1, round(0.95 * (len(walls) - 1)))],
        "cpu": statistics.median(cpus),
        "sql": statistics.median(sqls),
        "queries": queries,
    }


def explain_slowest(client, url, params) -> str:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url, params)
    slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + slowest["sql"])
        plan = "\n".join(f"      {row[0]}" for row in cursor.fetchall())
    return f"    slowest query ({float(slowest['time']) * 1000:.1f} ms): {slowest['sql'][:400]}\n{plan}"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--reuse", action="store_true", help="measure again on the data the previous run loaded")
    parser.add_argument("--explain", action="store_true", help="print the plan of each request's slowest query")
    parser.add_argument("--only", default="", help="measure only requests whose label contains this text")
    args = parser.parse_args(argv)

    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")  # no static manifest here
    if not args.reuse:
        recreate_database(args.database_url)
    started = time.perf_counter()
    setup_django(args.database_url)  # migrates: with --reuse, new index migrations build here
    migrated = time.perf_counter() - started
    from django.contrib import admin
    from django.contrib.auth import get_user_model
    from django.test import Client

    from refunds.models import Chargeback

    if args.reuse:
        print(f"reusing the previous run's deductions (migrations applied in {migrated:.1f} s)", flush=True)
    else:
        create_world(args.rows, args.seed)
    user = get_user_model().objects.get(username="bench-finance")
    print(f"deductions: {Chargeback.objects.count():,}")
    load_average = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load_average} (other work on the machine slows every figure)")
    client = Client()
    client.force_login(user)
    print(f"{'request':46s} {'median':>9s} {'p95':>9s} {'cpu+sql':>9s} {'sql':>8s}  queries", flush=True)
    for label, url, params in requests_to_measure(user, admin.site._registry[Chargeback]):
        if args.only not in label:
            continue
        m = measure(client, url, params, args.requests)
        wall, p95, cost, sql = (m[key] * 1000 for key in ("median", "p95", "cpu", "sql"))
        print(
            f"{label[:46]:46s} {wall:6.0f} ms {p95:6.0f} ms {cost + sql:6.0f} ms {sql:5.0f} ms  {m['queries']}",
            flush=True,
        )
        if args.explain:
            print(explain_slowest(client, url, params), flush=True)
    load_average = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"load average after: {load_average}")


if __name__ == "__main__":
    main()
