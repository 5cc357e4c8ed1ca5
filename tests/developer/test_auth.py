"""Bearer keys: unknown, malformed, expired and revoked keys get 401 with a reason; scopes; throttling."""

from datetime import timedelta

from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from acorn_portal.models import AuditAction, AuditEvent
from developer.models import APIKey
from developer.services.keys import revoke_api_key
from tests.developer.conftest import client_for, make_key

LIST = "/api/v1/chargebacks/"


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://acorn.dev/problems/")
    assert body["title"] and body["detail"]
    assert body["instance"].startswith("/api/v1/")
    assert body["request_id"] == response["X-Request-ID"]
    return body


def test_key_is_stored_hashed_only(org):
    key, secret = make_key(org)
    stored = APIKey.objects.get(pk=key.pk)
    assert secret.startswith(stored.prefix + ".")
    assert secret.split(".", 1)[1] not in stored.hashed_key
    assert stored.hashed_key.startswith("sha512$$")


def test_missing_key_is_401(client, db):
    body = assert_problem(client.get(LIST), 401)
    assert "Bearer" in body["detail"]


def test_unknown_and_malformed_keys_are_401(org):
    key, secret = make_key(org)
    wrong_secret = secret[:-1] + ("a" if secret[-1] != "a" else "b")
    body = assert_problem(client_for(wrong_secret).get(LIST), 401)
    assert body["detail"] == "Unknown API key."
    assert body["type"].endswith("/unknown-key")
    assert assert_problem(client_for("nosuchkey.whatever").get(LIST), 401)["detail"] == "Unknown API key."
    body = assert_problem(client_for("no-dot-here").get(LIST), 401)
    assert body["type"].endswith("/malformed")


def test_expired_key_is_401_with_reason(org):
    key, secret = make_key(org, expires_at=timezone.now() + timedelta(days=1))
    APIKey.objects.filter(pk=key.pk).update(expiry_date=timezone.now() - timedelta(minutes=1))
    body = assert_problem(client_for(secret).get(LIST), 401)
    assert "expired" in body["detail"]
    assert body["type"].endswith("/expired-key")


def test_revoked_key_is_401_with_reason_and_audited(org, org_admin):
    key, secret = make_key(org)
    api = client_for(secret)
    assert api.get(LIST).status_code == 200
    revoke_api_key(key=key, actor=org_admin)
    body = assert_problem(api.get(LIST), 401)
    assert body["detail"] == "This API key has been revoked."
    event = AuditEvent.objects.get(action=AuditAction.API_KEY_REVOKED)
    assert event.organization_id == org.pk and event.actor == org_admin and event.detail["prefix"] == key.prefix


def test_cached_key_is_refused_as_soon_as_it_is_revoked(org, org_admin, django_assert_num_queries):
    key, secret = make_key(org)
    api = client_for(secret)
    assert api.get(LIST).status_code == 200
    with django_assert_num_queries(1):  # the key comes from the cache: only the page query runs
        assert api.get(LIST).status_code == 200
    revoke_api_key(key=key, actor=org_admin)
    assert api.get(LIST).status_code == 401


@override_settings(ACORN_API_KEY_CACHE_SECONDS=0)
def test_without_the_cache_the_key_is_read_each_time(org, django_assert_num_queries):
    _, secret = make_key(org)
    api = client_for(secret)
    api.get(LIST)
    with django_assert_num_queries(2):
        assert api.get(LIST).status_code == 200


def _hash_calls(monkeypatch):
    """Count SHA-512 hashings of presented keys (the costly, secret-dependent part of a check)."""
    from rest_framework_api_key.crypto import Sha512ApiKeyHasher

    calls = []
    original = Sha512ApiKeyHasher.verify

    def verify(self, password, encoded):
        calls.append(encoded)
        return original(self, password, encoded)

    monkeypatch.setattr(Sha512ApiKeyHasher, "verify", verify)
    return calls


def test_known_and_unknown_prefixes_cost_the_same_work(org, monkeypatch, django_assert_num_queries):
    """Response time must not tell whether a prefix exists: same hashing, same queries, same answer."""
    key, secret = make_key(org)
    known_prefix_wrong_secret = f"{key.prefix}.{'x' * 32}"
    unknown_prefix = f"{'Zz' * 4}.{'x' * 32}"
    assert not APIKey.objects.filter(prefix="Zz" * 4).exists()
    calls = _hash_calls(monkeypatch)
    answers = {}
    for token in (known_prefix_wrong_secret, unknown_prefix):
        client_for(token).get(LIST)  # the first sight of a prefix reads the database, known or not
        calls.clear()
        with django_assert_num_queries(0):  # then both come from the cache (a miss is remembered too)
            answers[token] = client_for(token).get(LIST)
        assert len(calls) == 1, f"{token}: the hash was compared {len(calls)} times"
    assert {response.status_code for response in answers.values()} == {401}
    assert len({response.json()["detail"] for response in answers.values()}) == 1


def test_a_key_issued_after_its_prefix_was_probed_works_at_once(org, monkeypatch):
    from developer.models import APIKey as Model

    generator = Model.objects.key_generator
    monkeypatch.setattr(generator, "get_prefix", lambda: "Probed01")
    assert client_for(f"Probed01.{'x' * 32}").get(LIST).status_code == 401  # remembered as unknown
    _, secret = make_key(org)
    assert secret.startswith("Probed01.")
    assert client_for(secret).get(LIST).status_code == 200


def test_401_names_the_scheme(org):
    response = client_for("bad.key").get(LIST)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_session_login_does_not_open_the_api(client, org_admin):
    client.force_login(org_admin)
    assert_problem(client.get(LIST), 401)


def test_missing_scope_is_403(org):
    _, secret = make_key(org, scopes=["documents:read"])
    body = assert_problem(client_for(secret).get(LIST), 403)
    assert "chargebacks:read" in body["detail"]
    assert body["type"].endswith("/missing-scope")


def test_read_scope_does_not_allow_writes(org, account):
    from tests.refunds.cases import make_chargeback

    case = make_chargeback(account)
    _, secret = make_key(org, scopes=["chargebacks:read"])
    response = client_for(secret).post(f"/api/v1/chargebacks/{case.pk}/transitions/start_review/", {}, format="json")
    assert_problem(response, 403)
    case.refresh_from_db()
    assert case.state == "new"


def test_last_used_is_written_at_most_once_a_minute(org, django_assert_num_queries):
    key, secret = make_key(org)
    api = client_for(secret)
    api.get(LIST)
    first = APIKey.objects.get(pk=key.pk).last_used_at
    assert first is not None
    api.get(LIST)
    assert APIKey.objects.get(pk=key.pk).last_used_at == first
    APIKey.objects.filter(pk=key.pk).update(last_used_at=first - timedelta(minutes=2))
    cache.clear()  # the authentication cache holds the key's row for a few seconds
    api.get(LIST)
    assert APIKey.objects.get(pk=key.pk).last_used_at > first - timedelta(minutes=2)


@override_settings(ACORN_API_RATE="3/min")
def test_throttle_is_per_key_with_retry_after(org):
    _, first = make_key(org, name="one")
    _, second = make_key(org, name="two")
    api = client_for(first)
    for left in (2, 1, 0):
        response = api.get(LIST)
        assert response.status_code == 200
        assert (response["RateLimit-Limit"], response["RateLimit-Remaining"]) == ("3", str(left))
        assert 0 < int(response["RateLimit-Reset"]) <= 60 and response["RateLimit-Policy"] == "3;w=60"
    response = api.get(LIST)
    body = assert_problem(response, 429)
    assert int(response["Retry-After"]) > 0 and response["RateLimit-Remaining"] == "0"
    assert response["Retry-After"] == response["RateLimit-Reset"]
    assert body["retry_after"] == int(response["Retry-After"])
    # Another key of the same organization has its own budget.
    assert client_for(second).get(LIST).status_code == 200


def test_every_response_carries_a_request_id(api, org):
    response = api.get(LIST, HTTP_X_REQUEST_ID="trace-123")
    assert response["X-Request-ID"] == "trace-123"
    assert api.get("/api/v1/nowhere/")["X-Request-ID"]


def test_unknown_url_and_wrong_method_are_problems(api):
    assert_problem(api.get("/api/v1/nowhere/"), 404)
    body = assert_problem(api.delete(LIST), 405)
    assert "DELETE" in body["detail"]


def test_validation_errors_list_fields(api):
    body = assert_problem(api.get(LIST, {"issue_date_from": "yesterday", "page_size": "9"}), 400)
    assert "issue_date_from" in body["errors"]
    body = assert_problem(api.get(LIST, {"ordering": "-nonsense"}), 400)
    assert "ordering" in body["errors"]
