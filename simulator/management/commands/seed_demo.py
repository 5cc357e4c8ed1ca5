"""`manage.py seed_demo`: the demo organization, its data sources, and the simulator's answers.

By default the documents are not written here: the demo's data sources sync them from the Vendor
Central simulator (`make run` starts it and the task cluster syncs every due source), so the demo
shows real sync runs with their counts. `--direct` writes the generated documents straight through
ingest instead (offline use, benchmarks).

Idempotent: natural keys come from the seed only, so a second run (even on another day, when the
calendar dates move with `--today`) updates rows in place and never duplicates them.
"""

import time
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from acorn_portal.services.demo import ensure_demo_organization
from refunds.models import Chargeback
from refunds.services.alerts.demo import ensure_demo_alerts
from refunds.services.demo_workflow import ensure_demo_workflow
from refunds.services.matching import evaluate_chargebacks
from simulator.demo import DEMO_ACCOUNTS, DEMO_DEDUCTIONS, DEMO_SEED
from simulator.demo_sources import ensure_demo_sources
from simulator.generator import Kind, generate
from simulator.loader import account_spec, load

DEFAULT_SEED = DEMO_SEED
DEFAULT_DEDUCTIONS = DEMO_DEDUCTIONS
ACCOUNT_WEIGHTS = {code: weight for code, _vendor, weight in DEMO_ACCOUNTS}


class Command(BaseCommand):
    help = "Create the Demo Brand organization, users and data sources, and load the simulator's answers."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Random seed (default %(default)s).")
        parser.add_argument(
            "--deductions", type=int, default=DEFAULT_DEDUCTIONS, help="Deductions to simulate (default %(default)s)."
        )
        parser.add_argument(
            "--today", type=date.fromisoformat, default=None, help="Anchor date YYYY-MM-DD (default: today)."
        )
        parser.add_argument(
            "--reset-passwords", action="store_true", help="Set the demo users' passwords back to the demo one."
        )
        parser.add_argument(
            "--direct",
            action="store_true",
            help="Write the documents directly instead of syncing them from the simulator.",
        )

    def handle(self, *args, **options):
        if options["deductions"] < 0:
            raise CommandError("--deductions must not be negative.")
        started = time.monotonic()
        demo = ensure_demo_organization(reset_passwords=options["reset_passwords"])
        ensure_demo_workflow(demo.organization, demo.users)
        ensure_demo_alerts(demo.organization)
        specs = [account_spec(demo.accounts[code], weight=weight) for code, weight in ACCOUNT_WEIGHTS.items()]
        stream = generate(
            seed=options["seed"],
            accounts=specs,
            today=options["today"] or timezone.localdate(),
            deductions=options["deductions"],
        )
        if not options["direct"]:
            # Only the answers: the documents come through sync, from the simulator serving this same world.
            stream = (item for item in stream if item.kind == Kind.TRUTH)
            sources = ensure_demo_sources(demo.accounts.values(), base_url=settings.SIMULATOR_URL)
            self.stdout.write(f"  {len(sources)} data sources syncing from {settings.SIMULATOR_URL}")
        results = load(stream, vendor_accounts={spec.key: demo.accounts[spec.key] for spec in specs})
        for kind in Kind.ALL if options["direct"] else (Kind.TRUTH,):
            self.stdout.write(f"  {results[kind]}")
            for error in results[kind].errors[:5]:
                self.stderr.write(f"    {error}")
        # Verdicts and deadlines for every demo deduction (sync callers do this through a task).
        ids = Chargeback.objects.filter(account__organization=demo.organization).values_list("id", flat=True)
        self.stdout.write(f"  {evaluate_chargebacks(list(ids), cause='demo data re-seeded')}")
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(f"Demo Brand seeded in {elapsed:.1f}s; log in as ops/finance/legal/manager/admin.")
        )
