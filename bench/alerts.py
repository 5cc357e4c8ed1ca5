"""Benchmark: what one scheduler pass of the deadline alerts costs, first and when nothing is new.

    .venv/bin/python bench/alerts.py                    # 20,000 open cases, temporary SQLite file
    .venv/bin/python bench/alerts.py --cases 100000 --database-url postgres://postgres@127.0.0.1:5432/acorn_x

It migrates a fresh database (a temporary SQLite file unless --database-url names one; that
database is dropped and recreated), creates open cases spread over the next 30 days on a Los
Angeles and a Tokyo account, one watch rule (assignee and team by email), then prints, one per line:

    first_pass_seconds: …     plan_reminders claiming every due reminder and deadline event
    claimed: …                reminders and events claimed by the first pass
    deliver_seconds: …        sending them (Django's in-memory mail backend)
    idle_pass_seconds: …      the next pass, with nothing new (what every 15 minutes costs)
"""

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--database-url", default="", help="A PostgreSQL database to recreate and use.")
    return parser.parse_args()


def setup_django(url: str) -> None:
    if url.startswith("postgres"):
        import psycopg

        base, _, name = url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(cases: int):
    from django.contrib.auth import get_user_model

    from acorn_portal.models import Membership, Organization, VendorAccount
    from refunds.choices import ChargebackState, DeductionFamily
    from refunds.models import Chargeback, Team, WatchRule
    from refunds.services.deadlines import local_today

    org = Organization.objects.create(name="Bench", slug="bench")
    people = []
    for index in range(20):
        user = get_user_model().objects.create_user(f"bench{index}", email=f"bench{index}@example.com")
        Membership.objects.create(user=user, organization=org, role="operations")
        people.append(user)
    team = Team.objects.create(organization=org, name="Disputes")
    team.members.add(*people[:3])
    accounts = [
        VendorAccount.objects.create(organization=org, name=f"Bench {code}", vendor_codes=f"B{code}", marketplace=code)
        for code in ("US", "JP")
    ]
    WatchRule.objects.create(organization=org, name="All")
    rows = []
    for index in range(cases):
        account = accounts[index % 2]
        target = local_today(account.tz) + timedelta(days=index % 30)
        rows.append(
            Chargeback(
                account=account,
                amazon_id=f"BENCH{index:08d}",
                family=DeductionFamily.SHORTAGE,
                deduction_type="shortage",
                amount=Decimal("125.00") if account.currency == "USD" else Decimal("12500"),
                currency=account.currency,
                issue_date=target - timedelta(days=20),
                target_on=target,
                due_on=target + timedelta(days=7),
                state=ChargebackState.IN_REVIEW,
                assignee=people[index % len(people)],
                team=team if index % 5 == 0 else None,
            )
        )
    Chargeback.objects.bulk_create(rows, batch_size=2000)


def main():
    args = parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='acorn-bench-alerts-')) / 'bench.sqlite3'}"
    setup_django(url)
    from django.db import connection

    from refunds.services.alerts.dispatch import deliver_due
    from refunds.services.alerts.reminders import plan_reminders

    build(args.cases)
    print(f"database: {connection.vendor}")
    print(f"open_cases: {args.cases}")
    started = time.perf_counter()
    counts = plan_reminders()
    print(f"first_pass_seconds: {time.perf_counter() - started:.2f}")
    print(f"claimed: {counts['reminders']} reminders, {counts['events']} events")
    started = time.perf_counter()
    result = deliver_due(limit=1_000_000)
    print(f"deliver_seconds: {time.perf_counter() - started:.2f} ({result})")
    started = time.perf_counter()
    counts = plan_reminders()
    print(f"idle_pass_seconds: {time.perf_counter() - started:.2f} (claimed {counts})")


if __name__ == "__main__":
    main()
