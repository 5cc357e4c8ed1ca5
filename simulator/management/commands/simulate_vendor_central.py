"""`manage.py simulate_vendor_central [--port N] [--seed S] [--faults ...]`: the fake Vendor Central over HTTP.

Serves the demo accounts (US, CA, DE) on 127.0.0.1 until Ctrl-C; `make run` starts it beside the
portal and the demo's data sources sync from it. By default SP-API serves the demo vendor's purchase
orders and receipts in Amazon's shapes (the same world `seed_demo` loads for that seed and day);
`--record-world` serves the record generator's world instead (SP-API orders and ASNs, the data
feed, report files), as the sync tests and the ingest benchmark use it. No database access.
"""

import signal
import threading
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from acorn_portal import clock
from simulator.demo import DEMO_DEDUCTIONS, DEMO_ORDERS, DEMO_SEED, DEMO_SIMULATOR_PORT, demo_specs, demo_vendor_world
from simulator.faults import FaultPlan
from simulator.server import start


class Command(BaseCommand):
    help = "Serve a simulated Vendor Central (SP-API vendor endpoints, LWA, data feed, report files) on 127.0.0.1."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=DEMO_SIMULATOR_PORT, help="0 lets the OS pick one.")
        parser.add_argument("--seed", type=int, default=DEMO_SEED)
        parser.add_argument("--orders", type=int, default=DEMO_ORDERS, help="The demo vendor's purchase orders.")
        parser.add_argument("--record-world", action="store_true", help="Serve the record generator's world.")
        parser.add_argument("--deductions", type=int, default=DEMO_DEDUCTIONS, help="With --record-world.")
        parser.add_argument("--today", type=date.fromisoformat, default=None, help="Anchor date (default today).")
        parser.add_argument(
            "--faults", default="", help="e.g. 429=0.2,5xx=0.1,latency=50ms,reset=0.05,malformed=0.02,duplicates=0.1"
        )
        parser.add_argument("--verbose-log", action="store_true", help="Log every request.")

    def handle(self, *args, port, seed, orders, record_world, deductions, today, faults, verbose_log, **options):
        try:
            plan = FaultPlan.parse(faults, seed=seed)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        today = today or clock.server_today()
        running = start(
            seed=seed,
            accounts=demo_specs(),
            today=today,
            vendor_world=None if record_world else demo_vendor_world(seed=seed, today=today, orders=orders),
            deductions=deductions,
            faults=plan,
            port=port,
            verbose=verbose_log,
        )
        self.stdout.write(
            self.style.SUCCESS(f"Vendor Central simulator at {running.base_url} (seed {seed}, faults {plan})")
        )
        stop = threading.Event()
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        stop.wait()
        running.stop()
