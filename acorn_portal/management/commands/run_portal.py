"""Run the portal: gunicorn for the web and the django-q2 task cluster, together, until Ctrl-C.

`make run` (the demo) passes `--simulator-port`, so the Vendor Central simulator runs beside them.
`--production` is the deploy step and start for one host: migrate, collectstatic, then gunicorn on
the given address and the cluster. With several hosts, run `--web-only` on web hosts and
`manage.py qcluster` (or `--cluster-only`) on task hosts, all against one PostgreSQL and one Redis
(README "Production").

Web requests are always served by gunicorn's sync workers, never Django's development server: each
worker holds at most one database connection (kept for DB_CONN_MAX_AGE), where the development
server opened one per request thread and left them idle.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from acorn_portal.deploy import require_collected_static
from acorn_portal.env import env_int


def gunicorn_command(host: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "acorn_portal.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--timeout",
        str(env_int("ACORN_WEB_TIMEOUT_SECONDS", 60)),
        "--graceful-timeout",
        "20",
        "--access-logfile",
        "-",
        "--chdir",
        str(settings.BASE_DIR),
    ]


def public_url(host: str, port: int) -> str:
    """The address people reach a locally run portal at (0.0.0.0 listens everywhere, 127.0.0.1 answers)."""
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}"  # noqa: S104 - compared, not bound


class Command(BaseCommand):
    help = "Start gunicorn and the django-q2 cluster (and the demo's simulator); Ctrl-C stops them all."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers",
            type=int,
            default=env_int("ACORN_WEB_WORKERS", 2),
            help="gunicorn worker processes (default ACORN_WEB_WORKERS or 2).",
        )
        parser.add_argument(
            "--simulator-port", type=int, default=0, help="Also serve the Vendor Central simulator on this port."
        )
        parser.add_argument(
            "--production",
            action="store_true",
            help="Deploy step first: migrate and collectstatic; refuses DEBUG and the simulator.",
        )
        only = parser.add_mutually_exclusive_group()
        only.add_argument("--web-only", action="store_true", help="Only gunicorn (web hosts).")
        only.add_argument("--cluster-only", action="store_true", help="Only the task cluster (task hosts).")

    def handle(self, *args, host, port, workers, simulator_port, production, web_only, cluster_only, **options):
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        if production:
            if settings.DEBUG:
                raise CommandError("--production refuses to run with ACORN_DEBUG on (detailed errors, demo logins).")
            if simulator_port:
                raise CommandError("--production does not run the Vendor Central simulator.")
            self.deploy_step()
        if not cluster_only:
            require_collected_static()
        if not production:
            # Links in alerts lead to where this portal answers, unless the operator named an address.
            os.environ.setdefault("ACORN_PUBLIC_URL", public_url(host, port))
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        children = []
        if simulator_port:
            # First, so the cluster's first scheduled sync finds it listening.
            command = [*manage, "simulate_vendor_central", "--port", str(simulator_port)]
            children.append(subprocess.Popen(command))  # noqa: S603
        if not cluster_only:
            children.append(subprocess.Popen(gunicorn_command(host, port, workers)))  # noqa: S603
        if not web_only:
            children.append(subprocess.Popen([*manage, "qcluster"]))  # noqa: S603
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:  # whatever fails from here on, the children are stopped with us
            self._print_banner(host, port, production=production, web=not cluster_only, cluster=not web_only)
            if simulator_port:
                self.stdout.write(
                    f"Vendor Central simulator at http://127.0.0.1:{simulator_port}/ (demo data syncs from it)"
                )
            # This process only watches its children from here on: it must not hold a connection for hours.
            connections.close_all()
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            self._stop(children)
        failed = [child for child in children if child.returncode not in (0, -signal.SIGTERM, -signal.SIGINT)]
        if failed and not stopping:
            raise SystemExit(f"A portal process exited unexpectedly (exit code {failed[0].returncode}).")

    def deploy_step(self):
        """What every deploy runs before starting: the schema, then the static files the pages link."""
        self.stdout.write("Deploy step: migrate, collectstatic")
        call_command("migrate", interactive=False, verbosity=0, stdout=self.stdout)
        call_command("collectstatic", interactive=False, verbosity=0, stdout=self.stdout)

    def _print_banner(self, host, port, *, production, web, cluster):
        parts = [name for name, on in (("web server", web), ("task cluster", cluster)) if on]
        lines = []
        if web:
            lines.append(f"ACORN is running at http://{host}:{port}/  (Ctrl-C stops the {' and the '.join(parts)})")
        else:
            lines.append("ACORN task cluster is running (Ctrl-C stops it)")
        if not production:
            from acorn_portal.models import Membership
            from acorn_portal.services.demo import DEMO_PASSWORD, DEMO_SLUG

            members = Membership.objects.filter(organization__slug=DEMO_SLUG, user__api_key__isnull=True)
            members = members.select_related("user")
            if members:
                lines.append(f"Demo logins (password: {DEMO_PASSWORD}):")
                lines += [f"  {m.user.username:<10} {m.get_role_display()}" for m in members.order_by("user__username")]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
        self.stdout.flush()  # shown at once even when the output is a file or a pipe

    @staticmethod
    def _stop(children):
        for child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 20
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
