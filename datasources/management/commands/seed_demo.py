"""`manage.py seed_demo`: the demo organization filled with simulated Vendor Central data.

Idempotent: natural keys come from the seed only, so a second run (even on another day, when the
calendar dates move with `--today`) updates rows in place and never duplicates them.
"""

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from acorn_portal.services.demo import ensure_demo_organization
from datasources.simulator.generator import Kind, generate
from datasources.simulator.loader import account_spec, load
from refunds.models import Chargeback
from refunds.services.demo_workflow import ensure_demo_workflow
from refunds.services.matching import evaluate_chargebacks

DEFAULT_SEED = 7
DEFAULT_DEDUCTIONS = 2_000
ACCOUNT_WEIGHTS = {"US": 0.5, "CA": 0.2, "DE": 0.3}


class Command(BaseCommand):
    help = "Create the Demo Brand organization and users, and load simulated Vendor Central data into it."

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

    def handle(self, *args, **options):
        if options["deductions"] < 0:
            raise CommandError("--deductions must not be negative.")
        started = time.monotonic()
        demo = ensure_demo_organization(reset_passwords=options["reset_passwords"])
        ensure_demo_workflow(demo.organization, demo.users)
        specs = [account_spec(demo.accounts[code], weight=weight) for code, weight in ACCOUNT_WEIGHTS.items()]
        stream = generate(
            seed=options["seed"],
            accounts=specs,
            today=options["today"] or timezone.localdate(),
            deductions=options["deductions"],
        )
        results = load(stream, vendor_accounts={spec.key: demo.accounts[spec.key] for spec in specs})
        for kind in Kind.ALL:
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
