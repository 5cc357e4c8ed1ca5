"""`manage.py run_portal` serves with gunicorn: a bounded number of database connections under load."""

import threading

import pytest
from django.db import connection

from tests.deploy import processes as p
from tests.developer.conftest import make_key

WORKERS = 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_clients_use_one_connection_per_worker_at_most(org, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("connection counts are PostgreSQL's")
    _, secret = make_key(org)
    # Connections other tests' threads still hold are not the web server's.
    before = _other_connections()
    port = p.free_port()
    web = p.web("web", port, p.process_env(REDIS_URL=""), tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        p.wait_until(lambda: p.answers(f"{base}/api/v1/"), timeout=90, what=f"gunicorn: {web.output()}")
        statuses, servers = [], set()

        def client():
            for _ in range(15):
                status, headers, _ = p.http("GET", f"{base}/api/v1/chargebacks/", key=secret)
                statuses.append(status)
                servers.add(headers.get("Server", ""))

        threads = [threading.Thread(target=client) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert statuses.count(200) == 8 * 15
        assert all(server.startswith("gunicorn") for server in servers), servers
        opened = _other_connections() - before
        assert opened <= WORKERS, f"{opened} connections left open by {WORKERS} web workers"
    finally:
        web.stop()


def _other_connections():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]
