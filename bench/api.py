"""API list speed: `/api/v1/chargebacks/` against a minimal Django view, under gunicorn and wrk.

    /work/main/.venv/bin/python bench/api.py [--deductions 1000000] [--duration 15] [--connections 8]
        [--database-url postgres://postgres@127.0.0.1:5432/acorn_bench_api] [--reuse]

What it does:
1. (re)creates the PostgreSQL database, migrates it, creates one organization with two US vendor
   accounts and an API key (through `issue_api_key`, as an integrator would get one);
2. loads the deductions with one INSERT … SELECT over generate_series (facts only: the bench reads,
   it does not measure ingest; bench/ingest.py does that), spread over states, dates and amounts, then
   ANALYZE. `--reuse` keeps a database loaded by an earlier run with the same --deductions;
3. starts gunicorn (2 workers, sync) on 127.0.0.1 with bench/api_settings.py (the portal's settings
   plus the floor view), DEBUG off, the key throttle on with a rate the bench cannot reach;
4. runs wrk for --duration seconds at --connections against
   a) the API: `GET /api/v1/chargebacks/?account=<id>&state=new` with the Bearer key — key lookup
      and hash check, last_used_at, throttle, scope, organization scoping, filter set, keyset
      cursor, orjson — 50 rows;
   b) the floor: a plain Django view returning the same 50 rows as JsonResponse, no authentication;
   each after a short warm-up, in turn (API first, floor second, then again in the other order when
   --rounds 2) so that a busy machine slows both alike;
5. prints req/s and p99 latency of each, and the ratio API / floor. Targets: ≥ 0.8×, p99 ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ingest import recreate_database, setup_django  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/acorn_bench_api"
WRK = os.environ.get("ACORN_WRK") or shutil.which("wrk") or "/usr/bin/wrk"
STATES = ["new"] * 4 + ["in_review"] * 2 + ["pending_approval", "disputed", "recovered", "accepted"]


def load(deductions: int) -> tuple[dict, str]:
    """Accounts, key and deductions; returns ({account key: id}, the API key)."""
    from django.db import connection

    from acorn_portal.models import Organization, VendorAccount
    from developer.services.keys import issue_api_key

    org = Organization.objects.create(name="Bench", slug="bench")
    accounts = {
        key: VendorAccount.objects.create(organization=org, name=key, vendor_codes=key, marketplace="US")
        for key in ("BENCH1", "BENCH2")
    }
    _, secret = issue_api_key(organization=org, name="bench", scopes=["chargebacks:read"], role="operations")
    ids = [account.pk for account in accounts.values()]
    states = "ARRAY[" + ",".join(f"'{s}'" for s in STATES) + "]"
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO refunds_chargeback (
                account_id, amazon_id, family, deduction_type, sub_type, amount, currency, quantity, issue_date,
                po_number, po_number_normalized, asin, invoice_number, amazon_status, amazon_dispute_id, description,
                due_on, recommendation, state, workflow_version, requires_second_approval, dispute_round,
                filed_case_id, recovery_reference, resolution_reason, created_at, updated_at)
            SELECT
                (ARRAY[%s, %s])[1 + n %% 2], 'D' || lpad(n::text, 9, '0'),
                CASE WHEN n %% 3 = 0 THEN 'shortage_claim' ELSE 'operational_chargeback' END,
                CASE WHEN n %% 3 = 0 THEN 'shortage' ELSE 'asn_accuracy' END, '',
                ((n %% 50000) / 100.0 + 1)::numeric(18, 4), 'USD', 1 + n %% 40,
                DATE '2024-01-01' + (n %% 1000),
                'PO' || lpad((n %% 200000)::text, 6, '0'), 'PO' || lpad((n %% 200000)::text, 6, '0'),
                'B' || lpad((n %% 90000)::text, 9, '0'), 'INV' || (n %% 300000)::text, 'Open', '', '',
                DATE '2024-02-01' + (n %% 1000),
                CASE WHEN n %% 4 = 0 THEN 'accept' ELSE 'dispute' END,
                ({states})[1 + n %% {len(STATES)}], 0, false, 0, '', '', '', now(), now()
            FROM generate_series(1, %s) AS n
            """,
            [ids[0], ids[1], deductions],
        )
        cursor.execute("ANALYZE refunds_chargeback")
    print(f"loaded {deductions:,} deductions in {time.perf_counter() - started:.1f} s", flush=True)
    return {key: account.pk for key, account in accounts.items()}, secret


def reused(deductions: int) -> tuple[dict, str] | None:
    """The accounts of an earlier load of the same size, and a fresh key (secrets are never stored)."""
    from acorn_portal.models import Organization
    from developer.services.keys import issue_api_key
    from refunds.models import Chargeback

    org = Organization.objects.filter(slug="bench").first()
    if org is None or Chargeback.objects.count() != deductions:
        return None
    _, secret = issue_api_key(organization=org, name="bench", scopes=["chargebacks:read"], role="operations")
    return {a.name: a.pk for a in org.vendor_accounts.all()}, secret


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.api_settings",
        "ALLOWED_HOSTS": "127.0.0.1",
        "ACORN_API_RATE": "10000000/min",  # throttling runs, but never refuses during the bench
        "ACORN_SSL_REDIRECT": "0",  # plain HTTP on 127.0.0.1: no TLS proxy in front of this gunicorn
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "acorn_portal.wsgi:application",
        "--workers=2",
        f"--bind=127.0.0.1:{port}",
        "--log-level=warning",
        "--access-logfile=-" if os.environ.get("BENCH_ACCESS_LOG") else "--access-logfile=/dev/null",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/schema/", timeout=2).read()  # noqa: S310
            return process
        except OSError:
            time.sleep(0.5)
    stop(process)
    raise SystemExit("gunicorn did not start within 60 s")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def check(url: str, headers: dict) -> int:
    """Fail loudly when an endpoint does not answer 200 with 50 rows (a bench of errors measures nothing)."""
    import json

    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        rows = json.loads(response.read())["results"]
    if len(rows) != 50:
        raise SystemExit(f"{url} returned {len(rows)} rows, not 50")
    return rows[0]["id"]


def require_wrk() -> None:
    """Stop before loading anything when the load generator is missing, saying how to get it."""
    if not (os.path.isfile(WRK) and os.access(WRK, os.X_OK)):
        raise SystemExit(
            f"bench/api.py drives the API with wrk, which is not installed ({WRK} not found).\n"
            "Install it with: apt-get install wrk   (Debian/Ubuntu; brew install wrk on macOS, then set ACORN_WRK)"
        )


def wrk(url: str, headers: dict, duration: int, connections: int) -> tuple[float, float]:
    """(requests per second, p99 latency in ms)."""
    command = [WRK, "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url]
    for name, value in headers.items():
        command[1:1] = ["-H", f"{name}: {value}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    if "Non-2xx" in output:
        raise SystemExit(f"wrk saw errors:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", output).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return rate, p99


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deductions", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=1, help="2: a second round in the other order")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--reuse", action="store_true", help="keep the database of an earlier run of the same size")
    args = parser.parse_args(argv)
    require_wrk()

    if not args.reuse:
        recreate_database(args.database_url)
    setup_django(args.database_url)
    loaded = reused(args.deductions) if args.reuse else None
    if loaded is None:
        if args.reuse:
            recreate_database(args.database_url)
            from django.db import connection

            connection.close()
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
        loaded = load(args.deductions)
    else:
        print(f"reusing the {args.deductions:,} deductions of an earlier run", flush=True)
    accounts, secret = loaded
    account = accounts["BENCH1"]
    from django.db import connections

    connections.close_all()

    port = free_port()
    process = start_gunicorn(port)
    try:
        query = f"account={account}&state=new"
        api = (f"http://127.0.0.1:{port}/api/v1/chargebacks/?{query}", {"Authorization": f"Bearer {secret}"})
        floor = (f"http://127.0.0.1:{port}/bench/minimal/?{query}", {})
        if check(*api) != check(*floor):
            raise SystemExit("the API and the floor view do not return the same first row")
        results = {"api": [], "floor": []}
        order = [("api", api), ("floor", floor)]
        for round_number in range(args.rounds):
            for name, (url, headers) in order if round_number % 2 == 0 else order[::-1]:
                wrk(url, headers, 2, args.connections)  # warm-up: connections, caches, the planner
                results[name].append(wrk(url, headers, args.duration, args.connections))
                rate, p99 = results[name][-1]
                print(f"  round {round_number + 1} {name:5}: {rate:8.1f} req/s, p99 {p99:6.1f} ms", flush=True)
    finally:
        stop(process)

    def mean(name, index):
        return sum(r[index] for r in results[name]) / len(results[name])

    api_rate, floor_rate = mean("api", 0), mean("floor", 0)
    print(
        f"\n{args.deductions:,} deductions, gunicorn 2 workers, wrk {args.duration} s at concurrency {args.connections}"
    )
    print(f"API /api/v1/chargebacks/?{query} (key auth, throttle, scoping, cursor): {api_rate:.1f} req/s, "
          f"p99 {mean('api', 1):.1f} ms")  # fmt: skip
    floor_p99 = mean("floor", 1)
    print(f"floor: minimal Django view, same 50 rows as JsonResponse: {floor_rate:.1f} req/s, p99 {floor_p99:.1f} ms")
    print(f"ratio API / floor: {api_rate / floor_rate:.2f}x (target >= 0.8x; p99 target <= 100 ms)")
    print(f"machine load (1/5/15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
