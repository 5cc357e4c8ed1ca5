"""No secret is ever shown back, logged, kept in history or put in an error report; internal URLs are refused."""

import json
import logging
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.apps import apps
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.views.debug import ExceptionReporter

from acorn_portal.crypto import EncryptedTextField
from acorn_portal.models import AuditAction, AuditEvent
from datasources.models import DataSource, DataSourceKind, SyncStatus
from datasources.services import sync
from simulator.server import serve
from tests.datasources.simtools import FAST, make_sources, sim_options

pytestmark = pytest.mark.django_db
API_KEY = "feed-key-7f3a9c-DO-NOT-LEAK"
REFRESH = "Atzr|refresh-token-b81e-DO-NOT-LEAK"


def post_source(client, url, credentials="", **extra):
    data = {
        "name": "Amazon",
        "kind": "data_feed",
        "settings": '{"base_url": "http://127.0.0.1:9"}',
        "schedule_minutes": 60,
        "enabled": "on",
        "replace_credentials": credentials,
        "checkpoints-TOTAL_FORMS": "0",
        "checkpoints-INITIAL_FORMS": "0",
        **extra,
    }
    return client.post(url, data)


# -- the admin -------------------------------------------------------------------------------------


def test_credentials_field_is_write_only_and_a_blank_submission_keeps_them(client, account, org_admin):
    client.force_login(org_admin)
    response = post_source(
        client,
        reverse("admin:datasources_datasource_add"),
        json.dumps({"api_key": API_KEY}),
        account=account.pk,
    )
    assert response.status_code == 302
    source = DataSource.objects.get(name="Amazon")
    change_url = reverse("admin:datasources_datasource_change", args=[source.pk])
    page = client.get(change_url).content.decode()
    assert API_KEY not in page
    assert '<div class="readonly">set</div>' in page
    assert 'name="replace_credentials"' in page and 'name="replace_credentials" value=' not in page

    response = post_source(client, change_url, "", schedule_minutes=30)  # blank: keep what is stored
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.schedule_minutes == 30 and source.credential_values() == {"api_key": API_KEY}

    events = AuditEvent.objects.filter(action=AuditAction.CREDENTIALS_CHANGED)
    assert events.count() == 1, "only the submission that set credentials is a credential change"
    post_source(client, change_url, json.dumps({"api_key": "replacement-key-value"}))
    source.refresh_from_db()
    assert source.credential_values() == {"api_key": "replacement-key-value"}
    event = events.first()
    assert events.count() == 2
    assert (event.actor, event.organization_id, event.object_id) == (org_admin, account.organization_id, str(source.pk))
    assert event.detail == {"data_source": "Amazon", "kind": "data_feed", "names": ["api_key"]}
    assert API_KEY not in json.dumps(list(events.values("detail")))
    assert "replacement-key-value" not in json.dumps(list(events.values("detail")))


def test_a_source_without_credentials_says_not_set(client, account, org_admin):
    source = DataSource.objects.create(account=account, name="Bare", kind=DataSourceKind.DATA_FEED)
    client.force_login(org_admin)
    page = client.get(reverse("admin:datasources_datasource_change", args=[source.pk])).content.decode()
    assert '<div class="readonly">not set</div>' in page


def test_no_history_table_keeps_an_encrypted_field():
    """Every model with an EncryptedTextField and history excludes that field from its history."""
    checked = 0
    for model in apps.get_models():
        encrypted = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if not encrypted or model.__name__.startswith("Historical"):
            continue
        history = getattr(model, "history", None)
        if history is None:
            continue
        historical_fields = {f.name for f in history.model._meta.get_fields()}
        assert not historical_fields & set(encrypted), f"{model._meta.label} keeps {encrypted} in its history"
        checked += 1
    assert checked >= 1
    assert not any(
        isinstance(f, EncryptedTextField)
        for model in apps.get_models()
        if model.__name__.startswith("Historical")
        for f in model._meta.concrete_fields
    )


# -- connectors and sync runs ----------------------------------------------------------------------


class _Echo(BaseHTTPRequestHandler):
    """A careless remote: answers with everything it was sent, headers included."""

    status = 401

    def do_GET(self):  # noqa: N802 - http.server's name
        body = json.dumps({"error": "denied", "you_sent": dict(self.headers), "path": self.path}).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def echo():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    _Echo.status = 401


def feed_source(account, base_url, **settings):
    source = DataSource(
        account=account,
        name="Feed",
        kind=DataSourceKind.DATA_FEED,
        settings={"base_url": base_url, **FAST, "max_attempts": 2, **settings},
    )
    source.set_credentials({"api_key": API_KEY})
    source.save()
    return source


@pytest.mark.parametrize("status", [401, 503])
def test_an_echoing_remote_cannot_put_the_key_in_the_run_or_the_log(account, echo, status, caplog):
    _Echo.status = status
    source = feed_source(account, f"http://127.0.0.1:{echo.server_port}")
    with caplog.at_level(logging.DEBUG):
        (run,) = sync.sync_account(account.pk)
    assert run.status == SyncStatus.FAILED
    recorded = json.dumps([run.errors, run.request_log])
    assert API_KEY not in recorded and API_KEY not in caplog.text
    assert "[redacted]" in recorded or status == 503
    assert f"HTTP {status}" in recorded
    ok, message = sync.test_connection(source)
    assert not ok and API_KEY not in message


def test_the_lwa_access_token_and_refresh_token_never_reach_the_run(account):
    with serve(**sim_options(faults="5xx=0.3")) as sim:
        spapi, feed = make_sources(account, sim.base_url)
        feed.delete()
        spapi.set_credentials({"client_id": "cid", "client_secret": "csecret", "refresh_token": "sim-refresh-US"})
        spapi.save()
        (run,) = sync.sync_account(account.pk)
    assert run.request_log and any(entry["operation"] == "lwa_token" for entry in run.request_log)
    recorded = json.dumps([run.errors, run.request_log])
    assert "sim-refresh-US" not in recorded and "csecret" not in recorded


# -- error reports ---------------------------------------------------------------------------------


def _failing_view(request):
    credentials = {"api_key": API_KEY}  # noqa: F841 - a local a traceback would show
    refresh_token = REFRESH  # noqa: F841
    raise RuntimeError("boom")


def test_error_reports_hide_credentials_post_fields_headers_and_locals(settings):
    request = RequestFactory().post(
        "/admin/datasources/datasource/1/change/",
        {"name": "Amazon", "replace_credentials": json.dumps({"api_key": API_KEY}), "api_key": API_KEY},
        HTTP_AUTHORIZATION=f"Bearer {REFRESH}",
        HTTP_X_API_KEY=API_KEY,
    )
    settings.ACORN_TEST_WEBHOOK_SECRET = REFRESH
    try:
        _failing_view(request)
    except RuntimeError:
        reporter = ExceptionReporter(request, *sys.exc_info())
        text = reporter.get_traceback_text()
        html = reporter.get_traceback_html()
    for report in (text, html):
        assert API_KEY not in report and REFRESH not in report
        assert "Amazon" in report, "the rest of the report is still there"
    assert "credentials" in text and "********" in text


def test_the_admin_view_handling_credentials_marks_its_post_parameters_sensitive(client, account, org_admin):
    client.force_login(org_admin)
    source = DataSource.objects.create(account=account, name="Amazon", kind=DataSourceKind.DATA_FEED)
    url = reverse("admin:datasources_datasource_change", args=[source.pk])
    response = post_source(client, url, json.dumps({"api_key": API_KEY}))
    assert response.status_code == 302
    assert list(response.wsgi_request.sensitive_post_parameters) == ["replace_credentials"]


# -- outbound requests -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "base_url",
    ["http://169.254.169.254/latest", "http://10.0.0.5:8080", "http://[fd00::1]/feed"],
)
def test_a_feed_pointing_at_an_internal_address_ends_as_a_failed_run(account, base_url):
    feed_source(account, base_url)
    (run,) = sync.sync_account(account.pk)
    assert run.status == SyncStatus.FAILED
    message = run.errors[-1]["message"]
    assert "private, shared, loopback and link-local addresses are not allowed" in message, message
    assert len(run.request_log) == 1, "refused once, not retried"


@override_settings(OUTBOUND_ALLOWED_NETWORKS=[])
def test_the_admin_form_refuses_an_internal_url_as_it_is_typed(client, account, org_admin):
    client.force_login(org_admin)
    response = post_source(
        client,
        reverse("admin:datasources_datasource_add"),
        account=account.pk,
        settings='{"base_url": "http://169.254.169.254/latest/meta-data"}',
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["settings"]
    assert "base_url: Refused to connect to 169.254.169.254" in errors[0]
    assert not DataSource.objects.exists()


@override_settings(OUTBOUND_ALLOWED_NETWORKS=[])
def test_a_name_resolving_to_loopback_is_refused_unless_allowed(account, echo):
    source = feed_source(account, f"http://localhost:{echo.server_port}")
    (run,) = sync.sync_account(account.pk)
    assert run.status == SyncStatus.FAILED
    assert "Refused to connect to localhost (127.0.0.1)" in run.errors[-1]["message"]
    with override_settings(OUTBOUND_ALLOWED_NETWORKS=["127.0.0.0/8"]):
        ok, message = sync.test_connection(source)
    assert not ok and "HTTP 401" in message, "allowed: the request reached the server"


@override_settings(OUTBOUND_ALLOWED_NETWORKS=[])
def test_an_spapi_endpoint_on_an_internal_address_is_refused(account):
    source = DataSource(
        account=account,
        name="SP-API",
        kind=DataSourceKind.SPAPI_VENDOR,
        settings={"endpoint": "http://192.168.1.10", "token_url": "http://127.0.0.1:9/auth/o2/token", **FAST},
    )
    source.set_credentials({"client_id": "cid", "client_secret": "cs", "refresh_token": REFRESH})
    source.save()
    (run,) = sync.sync_account(account.pk)
    assert run.status == SyncStatus.FAILED
    assert "Refused to connect to 127.0.0.1" in run.errors[-1]["message"]
    assert REFRESH not in json.dumps([run.errors, run.request_log])
