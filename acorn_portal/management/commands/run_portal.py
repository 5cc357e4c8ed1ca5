"""Run the portal for a demo or a one-machine install: the web server and the task cluster together.

With `--simulator-port N` the Vendor Central simulator runs beside them (the demo's data sources
sync from it); `make run` passes it.
"""

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from acorn_portal.models import Membership
from acorn_portal.services.demo import DEMO_PASSWORD, DEMO_SLUG


class Command(BaseCommand):
    help = "Start the web server and the django-q2 cluster; Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--simulator-port", type=int, default=0, help="Also serve the Vendor Central simulator on this port."
        )

    def handle(self, *args, host, port, simulator_port, **options):
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        children = []
        if simulator_port:
            # First, so the cluster's first scheduled sync finds it listening.
            command = [*manage, "simulate_vendor_central", "--port", str(simulator_port)]
            children.append(subprocess.Popen(command))  # noqa: S603
        children += [
            subprocess.Popen([*manage, "runserver", f"{host}:{port}", "--noreload"]),  # noqa: S603
            subprocess.Popen([*manage, "qcluster"]),  # noqa: S603
        ]
        self._print_banner(host, port)
        if simulator_port:
            self.stdout.write(
                f"Vendor Central simulator at http://127.0.0.1:{simulator_port}/ (demo data syncs from it)"
            )
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            self._stop(children)
        failed = [child for child in children if child.returncode not in (0, -signal.SIGTERM, -signal.SIGINT)]
        if failed and not stopping:
            raise SystemExit(f"A portal process exited unexpectedly (exit code {failed[0].returncode}).")

    def _print_banner(self, host, port):
        lines = [f"ACORN is running at http://{host}:{port}/  (Ctrl-C stops the server and the task cluster)"]
        members = Membership.objects.filter(organization__slug=DEMO_SLUG).select_related("user")
        if members:
            lines.append(f"Demo logins (password: {DEMO_PASSWORD}):")
            lines += [f"  {m.user.username:<10} {m.get_role_display()}" for m in members.order_by("user__username")]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))

    @staticmethod
    def _stop(children):
        for child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 10
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
