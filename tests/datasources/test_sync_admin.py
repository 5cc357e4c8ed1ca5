"""Data sources in the admin: credentials write-only and encrypted, test connection, runs read-only; tasks."""

import pytest
from django.db import connection
from django.urls import reverse
from django_q.models import Schedule

from acorn_portal.schedules import install_schedules
from datasources import tasks
from datasources.models import DataSource, SyncRun
from datasources.schedules import SCHEDULES
from simulator.server import serve
from tests.datasources.simtools import make_sources, sim_options

pytestmark = pytest.mark.django_db
SECRET = "Atzr|very-secret-refresh-token"


def add_source(client, account, credentials: str):
    return client.post(
        reverse("admin:datasources_datasource_add"),
        {
            "account": account.pk,
            "name": "Amazon",
            "kind": "spapi_vendor",
            "settings": '{"endpoint": "http://127.0.0.1:9"}',
            "schedule_minutes": 60,
            "enabled": "on",
            "replace_credentials": credentials,
            "checkpoints-TOTAL_FORMS": "0",
            "checkpoints-INITIAL_FORMS": "0",
        },
    )


def test_credentials_are_write_only_encrypted_and_not_in_history(client, account, org_admin):
    client.force_login(org_admin)
    value = f'{{"client_id": "cid", "client_secret": "cs", "refresh_token": "{SECRET}"}}'
    response = add_source(client, account, value)
    assert response.status_code == 302, response.context and response.context["adminform"].errors
    source = DataSource.objects.get(name="Amazon")
    assert source.credential_values()["refresh_token"] == SECRET
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM datasources_datasource WHERE id = %s", [source.pk])
        (stored,) = cursor.fetchone()
    assert SECRET not in stored and stored.startswith("gAAAA")  # a Fernet token

    page = client.get(reverse("admin:datasources_datasource_change", args=[source.pk])).content.decode()
    assert SECRET not in page and "set" in page
    history = client.get(reverse("admin:datasources_datasource_history", args=[source.pk])).content.decode()
    assert SECRET not in history
    assert not hasattr(source.history.first(), "credentials")


def test_bad_credentials_json_is_refused(client, account, org_admin):
    client.force_login(org_admin)
    response = add_source(client, account, "not json")
    assert response.status_code == 200 and "Not valid JSON" in response.content.decode()


def test_operations_may_read_sources_but_not_change_them(client, account, ops):
    source = DataSource.objects.create(account=account, name="Feed", kind="data_feed")
    client.force_login(ops)
    assert client.get(reverse("admin:datasources_datasource_changelist")).status_code == 200
    assert client.get(reverse("admin:datasources_datasource_add")).status_code == 403
    response = client.post(reverse("admin:datasources_datasource_change", args=[source.pk]), {"name": "x"})
    assert response.status_code == 403


def test_test_connection_action_and_run_pages(client, account, org_admin):
    with serve(**sim_options()) as sim:
        sources = make_sources(account, sim.base_url)
        client.force_login(org_admin)
        response = client.post(
            reverse("admin:datasources_datasource_changelist"),
            {"action": "test_connection", "_selected_action": [s.pk for s in sources]},
            follow=True,
        )
        messages = [str(m) for m in response.context["messages"]]
        assert len(messages) == 2 and all("answered" in m for m in messages), messages
        summary = tasks.sync_account(account.pk, "manual")
    assert "succeeded" in summary and "created" in summary
    run = SyncRun.objects.filter(account=account).first()
    page = client.get(reverse("admin:datasources_syncrun_change", args=[run.pk])).content.decode()
    assert "unchanged" in page and run.request_log[-1]["request_id"] in page
    listing = client.get(reverse("admin:datasources_syncrun_changelist")).content.decode()
    assert "succeeded" in listing.lower()
    assert client.post(reverse("admin:datasources_syncrun_delete", args=[run.pk]), {"post": "yes"}).status_code == 403


def test_schedules_are_installed_and_due_sources_are_synced(account, monkeypatch):
    install_schedules()
    install_schedules()
    assert Schedule.objects.filter(name=SCHEDULES[0]["name"]).count() == 1
    queued = []
    monkeypatch.setattr(tasks, "async_task", lambda *args, **kwargs: queued.append(args))
    DataSource.objects.create(account=account, name="Feed", kind="data_feed")
    assert tasks.sync_due_sources() == "1 account(s) due for sync"
    assert queued == [("datasources.tasks.sync_account", account.pk, "schedule")]


def test_task_is_idempotent_when_the_account_is_busy(account):
    from datasources.services.sync import claim_account

    claim_account(account.pk, "someone-else")
    assert "skipped" in tasks.sync_account(account.pk)
    assert "nothing to do" in tasks.sync_account(999_999)
