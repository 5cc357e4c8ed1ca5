"""`manage.py seed_demo`: the demo organization, and its vendor's files loaded through the product's doors.

The simulator writes the demo vendor's files as of today (`--today`) in the shapes Amazon and its
ERP give them, and they come in the way a real vendor's do: purchase orders and receipts by SP-API
sync over HTTP from the simulator, ASNs, proofs of delivery, invoices and co-op agreements through
the push API, and Vendor Central's four exports (shortage and price claims, chargebacks and their
reversals, co-op invoices, remittances) through the report import. Then every deduction is judged.

Idempotent: natural keys come from the seed only, so a second run updates rows in place and never
duplicates them.
"""

import time
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from acorn_portal import clock
from acorn_portal.services.demo import ensure_demo_organization
from refunds.models import Chargeback
from refunds.services.alerts.demo import ensure_demo_alerts
from refunds.services.demo_workflow import ensure_demo_denied_case, ensure_demo_workflow
from refunds.services.matching import evaluate_chargebacks
from simulator.demo import DEMO_ORDERS, DEMO_SEED, demo_vendor_world
from simulator.demo_load import load_demo_vendor


class Command(BaseCommand):
    help = "Create the Demo Brand organization and users, and load its vendor's files through ACORN's doors."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=DEMO_SEED, help="Random seed (default %(default)s).")
        parser.add_argument(
            "--orders", type=int, default=DEMO_ORDERS, help="Purchase orders to simulate (default %(default)s)."
        )
        parser.add_argument(
            "--today", type=date.fromisoformat, default=None, help="Anchor date YYYY-MM-DD (default: today)."
        )
        parser.add_argument(
            "--reset-passwords", action="store_true", help="Set the demo users' passwords back to the demo one."
        )
        parser.add_argument(
            "--i-know-this-is-not-production",
            action="store_true",
            dest="not_production",
            help="Seed even though ACORN_DEBUG is off (the demo users have published passwords).",
        )

    def handle(self, *args, **options):
        if not settings.ACORN_DEMO_SEED_ALLOWED and not options["not_production"]:
            # The demo logins are published (README): on a production instance they would be a way in.
            raise CommandError(
                "seed_demo creates users with published passwords and refuses to run with ACORN_DEBUG off. "
                "If this instance is not production, run it again with --i-know-this-is-not-production."
            )
        if options["orders"] < 1:
            raise CommandError("--orders must be at least 1.")
        started = time.monotonic()
        demo = ensure_demo_organization(reset_passwords=options["reset_passwords"])
        ensure_demo_workflow(demo.organization, demo.users)
        ensure_demo_alerts(demo.organization)
        today = options["today"] or clock.server_today()
        world = demo_vendor_world(seed=options["seed"], today=today, orders=options["orders"])
        loaded = load_demo_vendor(demo, world)
        for problem in loaded.problems[:10]:
            self.stderr.write(f"  refused: {problem}")
        deductions = Chargeback.objects.filter(account__organization=demo.organization)
        self.stdout.write(f"  {len(world.orders)} purchase orders, {deductions.count()} deductions loaded")
        ids = list(deductions.values_list("id", flat=True))
        self.stdout.write(f"  {evaluate_chargebacks(ids, cause='demo data re-seeded', now=loaded.now)}")
        denied = ensure_demo_denied_case(demo.organization, demo.users)
        if denied is not None:
            self.stdout.write(f"  case {denied.amazon_id} denied by Amazon in every round: legal's settlement to show")
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(f"Demo Brand seeded in {elapsed:.1f}s; log in as ops/finance/legal/manager/admin.")
        )
