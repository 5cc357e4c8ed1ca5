"""Without Redis, the web workers of one host share the throttle and key revocation (the file cache)."""

import threading
from collections import Counter

import pytest
from django.db import connection
from django.test import override_settings

from developer.models import APIKey
from developer.services.keys import revoke_api_key
from tests.deploy import processes as p
from tests.developer.conftest import make_key

RATE = 30


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_without_redis_count_one_budget_and_see_a_revocation_at_once(org, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the web server's processes share the test's PostgreSQL database")
    key, secret = make_key(org)
    cache_dir = tmp_path / "cache"
    env = p.process_env(
        REDIS_URL="",
        ACORN_CACHE_DIR=cache_dir,
        ACORN_API_RATE=f"{RATE}/hour",
        ACORN_API_KEY_CACHE_SECONDS=3600,  # only the shared cache can tell the workers about a revocation
    )
    port = p.free_port()
    web = p.web("web", port, env, tmp_path)  # gunicorn, two worker processes
    url = f"http://127.0.0.1:{port}/api/v1/chargebacks/"
    try:
        p.wait_until(lambda: p.answers(url), timeout=90, what=f"gunicorn: {web.output()}")
        answers = []

        def client():
            for _ in range(25):
                status, headers, _ = p.http("GET", url, key=secret)
                answers.append((status, headers.get("RateLimit-Remaining")))

        threads = [threading.Thread(target=client) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        statuses = Counter(status for status, _ in answers)
        assert statuses == {200: RATE, 429: 100 - RATE}, statuses
        remaining = sorted(int(left) for status, left in answers if status == 200)
        assert remaining == list(range(RATE)), "each allowed request counted once, across both workers"

        with override_settings(CACHES={"default": {"BACKEND": "acorn_portal.cache.LockedFileBasedCache",
                                                   "LOCATION": str(cache_dir)}}):  # fmt: skip
            revoke_api_key(key=APIKey.objects.get(pk=key.pk))
        after = Counter(p.http("GET", url, key=secret)[0] for _ in range(20))
        assert after == {401: 20}, after
    finally:
        web.stop()
