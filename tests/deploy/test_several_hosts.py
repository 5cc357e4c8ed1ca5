"""Two web servers and two task clusters against one PostgreSQL and one Redis, as on several hosts.

One test (the processes take a while to start on a small machine) that shows, with real gunicorn
and django-q2 processes:
- the API throttle and key revocation are shared by the web servers (Redis cache);
- an Idempotency-Key holds across web servers;
- an account syncs once at a time although every cluster is told to sync it again and again, and
  killing the cluster that is syncing (SIGKILL, mid-page) loses and duplicates nothing;
- every webhook delivery and every reminder goes out exactly once while both clusters run the
  webhook and alert tasks concurrently, over and over.
"""

import json
import time
from collections import Counter
from email import message_from_bytes

import pytest
from django.db import connection
from django.test import override_settings

from acorn_portal.roles import Role
from datasources.connectors.base import DocumentKind
from datasources.models import DataSource, SyncLease, SyncRun, SyncStatus
from developer.models import WebhookDelivery
from developer.services.keys import revoke_api_key
from refunds.models import AlertLog, WatchRule
from refunds.models.alerts import AlertKind, AlertStatus
from simulator.server import serve
from tests.conftest import make_member
from tests.datasources.simtools import assert_matches_simulator, make_sources, sim_options
from tests.datasources.test_sync_kill import mid_shipments
from tests.deploy import processes as p
from tests.developer.conftest import make_key
from tests.developer.receiver import Receiver
from tests.developer.webhooks import make_endpoint

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not p.redis_answers(), reason="needs Redis on 127.0.0.1:6379"),
]

RATE = 20  # per minute and key, for the throttle check
LEASE_SECONDS = 2

# Plays every host's scheduler at once: enqueue the sync of the account, the webhook dispatch and
# the deadline alerts, twice each, every half second (each clusters' workers take from one queue).
ENQUEUER = """
import sys, time, django
django.setup()
from django_q.tasks import async_task
account = int(sys.argv[1])
for _ in range(400):
    for _ in range(2):
        async_task("datasources.tasks.sync_account", account, "schedule")
        async_task("developer.tasks.dispatch_webhooks")
        async_task("refunds.tasks.send_deadline_alerts")
    time.sleep(0.5)
"""


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("several hosts share one PostgreSQL; SQLite is the one-process demo")


@pytest.fixture
def started(tmp_path):
    children = []
    yield children, tmp_path
    for child in children:
        child.stop()


def test_two_web_servers_and_two_clusters_share_one_database_and_one_redis(
    postgres_only, started, org, account, manager
):
    children, tmp_path = started
    p.flush_redis()
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    receiver = Receiver()
    with serve(**sim_options(faults="latency=15ms")) as sim:
        # What an organization set up in the portal: the account's data sources, a webhook endpoint,
        # a watch rule reminding managers, and two API keys.
        make_sources(account, sim.base_url)
        make_endpoint(org, receiver.url, events=["chargeback.created", "chargeback.deadline_approaching"])
        WatchRule.objects.create(organization=org, name="Managers", notify_managers=True, notify_team=False)
        admin_key, admin_secret = make_key(org, role=Role.ADMIN, name="ERP")
        _, throttled_secret = make_key(org, role=Role.OPERATIONS, name="Reports")
        make_member(org, "second-manager", Role.MANAGER)

        env = p.process_env(
            ACORN_API_RATE=f"{RATE}/min",
            ACORN_SYNC_LEASE_SECONDS=LEASE_SECONDS,
            ACORN_TEST_MAIL_DIR=mail_dir,
            ACORN_WEBHOOK_BACKOFF_BASE_SECONDS=1,
            ACORN_WEBHOOK_BACKOFF_MAX_SECONDS=2,
            Q_WORKERS=2,
        )
        ports = [p.free_port(), p.free_port()]
        webs = [p.web(f"web{n}", port, env, tmp_path) for n, port in enumerate(ports, 1)]
        clusters = [p.cluster(f"cluster{n}", env, tmp_path) for n in (1, 2)]
        children += [*webs, *clusters]
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for web, base in zip(webs, bases, strict=True):
            p.wait_until(lambda b=base: p.answers(f"{b}/api/v1/"), timeout=90, what=f"{web.name}: {web.output()}")

        # Throttle: one key, requests alternating between the two servers, one budget.
        statuses = Counter(
            p.http("GET", f"{bases[n % 2]}/api/v1/chargebacks/", key=throttled_secret)[0] for n in range(RATE + 10)
        )
        assert statuses == {200: RATE, 429: 10}, statuses

        # Idempotency: the same POST with the same key to each server creates one endpoint.
        body = json.dumps({"url": receiver.url + "?idempotent", "events": ["sync.failed"]}).encode()
        first = p.http(
            "POST", f"{bases[0]}/api/v1/webhooks/", key=admin_secret, body=body, headers={"Idempotency-Key": "k-1"}
        )
        again = p.http(
            "POST", f"{bases[1]}/api/v1/webhooks/", key=admin_secret, body=body, headers={"Idempotency-Key": "k-1"}
        )
        assert first[0] == again[0] == 201 and first[2] == again[2]
        assert again[1].get("Idempotent-Replayed") == "true"
        assert org_endpoints(org, "?idempotent") == 1

        # Sync: triggered through both servers, and enqueued twice a second for every cluster.
        trigger = json.dumps({"account": account.pk}).encode()
        triggered = [p.http("POST", f"{base}/api/v1/sync-runs/", key=admin_secret, body=trigger)[0] for base in bases]
        # One server queues it; both answer 409 when a cluster's own schedule started the (never synced)
        # account's sync first. Either way one sync is under way.
        assert set(triggered) <= {202, 409}, triggered
        assert 202 in triggered or SyncLease.objects.filter(account=account).exclude(owner="").exists(), triggered
        enqueuer = p.Process("enqueuer", ["-c", ENQUEUER, str(account.pk)], env, tmp_path)
        children.append(enqueuer)

        # Kill the cluster that holds the account, in the middle of its shipments.
        p.wait_until(lambda: mid_shipments(account), timeout=90, what="a sync in the middle of its shipments")
        holder = int(SyncLease.objects.get(account=account).owner.split(":")[1])
        victim = next(c for c in clusters if c.owns(holder))
        survivor = next(c for c in clusters if c is not victim)
        victim.kill()
        killed_at = time.time()

        # The survivor takes the account over once the lease expires and finishes the sync.
        def synced_after_kill():
            runs = SyncRun.objects.filter(
                account=account, status=SyncStatus.SUCCEEDED, started_at__gt=kill_time(killed_at)
            )
            sources = DataSource.objects.filter(account=account).values_list("id", flat=True)
            return {run.data_source_id for run in runs} == set(sources)

        p.wait_until(synced_after_kill, timeout=90, what=f"the surviving cluster's sync: {survivor.output()}")
        assert survivor.popen.poll() is None

        # Webhooks and reminders: everything claimed goes out, once.
        def all_sent():
            pending = WebhookDelivery.objects.exclude(status="succeeded").count()
            alerts = AlertLog.objects.filter(kind=AlertKind.REMINDER)
            return pending == 0 and alerts.exists() and not alerts.exclude(status=AlertStatus.SENT).exists()

        p.wait_until(all_sent, timeout=60, what="webhook deliveries and reminders")

        # Revocation: the key is refused by both servers at once (the cached copy is gone from Redis).
        with override_settings(CACHES=shared_cache()):
            assert all(p.http("GET", f"{b}/api/v1/chargebacks/", key=admin_secret)[0] == 200 for b in bases)
            revoke_api_key(key=admin_key)
        assert [p.http("GET", f"{b}/api/v1/chargebacks/", key=admin_secret)[0] for b in bases] == [401, 401]
        enqueuer.stop()

    # Nothing lost, nothing duplicated, one sync at a time.
    assert_matches_simulator(account, sim.simulator.data)
    data = sim.simulator.data
    runs = list(SyncRun.objects.filter(account=account).order_by("started_at"))
    assert any(run.status == SyncStatus.INTERRUPTED for run in runs), "the killed run is marked interrupted"
    for kind in (DocumentKind.PURCHASE_ORDERS, DocumentKind.SHIPMENTS):
        created = sum(run.counts.get(kind, {}).get("created", 0) for run in runs)
        assert created == len(data.records("US", kind)), f"{kind}: every document created exactly once"
    for earlier, later in zip(runs, runs[1:], strict=False):
        assert later.started_at >= earlier.finished_at, f"runs {earlier.pk} and {later.pk} overlapped"

    # Each delivery reached the receiver exactly once.
    hooks = [r for r in receiver.requests if r["path"] == "/hooks"]
    seen = Counter(json.loads(r["body"])["id"] for r in hooks)
    assert seen and max(seen.values()) == 1, [event for event, n in seen.items() if n > 1]
    assert len(seen) == WebhookDelivery.objects.filter(endpoint__url=receiver.url).count()
    receiver.stop()

    # Each reminder was mailed exactly once.
    mailed = Counter()
    for path in mail_dir.iterdir():
        for chunk in path.read_bytes().split(b"-" * 79):
            if chunk.strip():
                message = message_from_bytes(chunk.strip())
                mailed[(message["To"], message["Subject"])] += 1
    reminders = AlertLog.objects.filter(kind=AlertKind.REMINDER, status=AlertStatus.SENT)
    assert reminders.count() > 0
    assert sum(mailed.values()) >= reminders.count()
    assert max(mailed.values()) == 1, [key for key, n in mailed.items() if n > 1]


def org_endpoints(org, suffix: str) -> int:
    from developer.models import WebhookEndpoint

    return WebhookEndpoint.objects.filter(organization=org, url__endswith=suffix).count()


def kill_time(timestamp: float):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(timestamp, tz=UTC)


def shared_cache() -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": p.REDIS_URL,
            "KEY_PREFIX": "acorn",
        }
    }
