"""The status page: staleness per data source, organization scoping, the cluster, registered sections."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from acorn_portal import status as status_registry
from acorn_portal.status import StatusRow, StatusSection, register_section, unregister_section
from datasources.models import DataSource, SyncRun, SyncStatus

pytestmark = pytest.mark.django_db


def source(account, name, *, last_success=None, runs=()):
    feed = DataSource.objects.create(account=account, name=name, kind="data_feed", settings={"base_url": ""})
    DataSource.objects.filter(pk=feed.pk).update(last_success_at=last_success, last_run_at=last_success)
    for status, errors in runs:
        SyncRun.objects.create(
            data_source=feed,
            account=account,
            status=status,
            started_at=timezone.now() - dt.timedelta(minutes=5),
            counts={"chargebacks": {"created": 3, "updated": 1, "unchanged": 0, "rejected": 1}},
            errors=errors,
        )
    return feed


def page(client, user):
    client.force_login(user)
    response = client.get(reverse("status"))
    assert response.status_code == 200
    return response, response.content.decode()


def sync_section(response):
    return next(s for s in response.context["sections"] if s.key == "sync")


def test_a_source_without_success_for_24_hours_is_flagged_stale(client, account, ops):
    now = timezone.now()
    source(account, "fresh feed", last_success=now - dt.timedelta(hours=23))
    source(
        account,
        "old feed",
        last_success=now - dt.timedelta(hours=25),
        runs=[(SyncStatus.FAILED, [{"kind": "chargebacks", "message": "HTTP 503", "request_id": "req-42"}])],
    )
    response, html = page(client, ops)
    section = sync_section(response)
    flagged = {str(row.cells[0]).split("·")[-1].split("<")[0].strip(): row.flagged for row in section.rows}
    assert flagged == {"fresh feed": False, "old feed": True}
    assert section.level == "error"
    assert "stale: no successful sync for 24 h" in html
    assert "HTTP 503" in html and "request id req-42" in html and "+3 ~1 =0 ✖1" in html


def test_the_sync_section_reads_the_last_runs_in_one_query_whatever_the_number_of_sources(
    client, account, ops, django_assert_max_num_queries
):
    for n in range(4):
        source(account, f"feed {n}", runs=[(SyncStatus.SUCCEEDED, [])] * 7)
    client.force_login(ops)
    page(client, ops)  # warm the session and caches
    with django_assert_max_num_queries(40) as few:
        response, html = page(client, ops)
    for n in range(4, 12):
        source(account, f"feed {n}", runs=[(SyncStatus.SUCCEEDED, [])] * 7)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response, html = page(client, ops)
    assert len(sync_section(response).rows) == 12
    assert html.count("succeeded — chargebacks: +3 ~1 =0 ✖1") == 12 * 5, "the last five runs of each source"


def test_a_source_that_never_succeeded_is_stale(client, account, ops):
    source(account, "new feed")
    response, _html = page(client, ops)
    assert sync_section(response).rows[0].flagged


def test_status_page_shows_only_the_users_organizations(client, account, other_account, ops, outsider, superuser):
    source(account, "acme feed", runs=[(SyncStatus.FAILED, [{"message": "acme secret error", "request_id": "r1"}])])
    source(other_account, "rival feed", last_success=timezone.now())
    _response, html = page(client, outsider)
    assert "rival feed" in html
    assert "acme feed" not in html and "acme secret error" not in html and "Acme" not in html
    _response, html = page(client, ops)
    assert "acme feed" in html and "rival feed" not in html
    _response, html = page(client, superuser)
    assert "acme feed" in html and "rival feed" in html


def test_cluster_section_says_when_no_cluster_runs(client, account, ops):
    response, html = page(client, ops)
    cluster = next(s for s in response.context["sections"] if s.key == "cluster")
    assert cluster.level == "error" and "No task cluster is running" in cluster.summary
    assert "task(s) queued" in html


def test_cluster_section_finds_a_cluster_whose_heartbeat_it_cannot_read(client, account, ops, frozen_now):
    """On the ORM broker the cluster's heartbeat sits in its own process's cache; its work is in the database."""
    from django_q.models import Success

    Success.objects.create(
        id="a" * 32, name="deliver", func="refunds.tasks.deliver_alerts", started=frozen_now, stopped=frozen_now
    )
    response, _html = page(client, ops)
    cluster = next(s for s in response.context["sections"] if s.key == "cluster")
    assert cluster.level == "ok" and "A task cluster is running" in cluster.summary


def test_expected_sections_show_until_registered_and_a_broken_one_does_not_break_the_page(client, ops):
    installed = {key: status_registry._REGISTRY[key] for key in ("alert_channels", "webhook_endpoints")}
    for key in installed:
        unregister_section(key)
    try:
        response, html = page(client, ops)
        keys = [s.key for s in response.context["sections"]]
        assert "alert_channels" in keys and "webhook_endpoints" in keys
        assert html.count("Not installed yet.") == 2
        _then_registered_and_broken(client, ops)
    finally:
        for key, entry in installed.items():
            register_section(key, entry.provider, order=entry.order)


def _then_registered_and_broken(client, ops):
    def channels(request, org_ids, now):
        return StatusSection(
            title="Alert channels",
            level="error",
            summary="1 failed delivery",
            columns=["Channel", "Error"],
            rows=[StatusRow(["Slack #ops", "HTTP 500"], flagged=True)],
        )

    def broken(request, org_ids, now):
        raise RuntimeError("boom")

    register_section("alert_channels", channels, order=30)
    register_section("webhook_endpoints", broken, order=40)
    response, html = page(client, ops)
    assert "Slack #ops" in html and "HTTP 500" in html
    assert "could not be read: RuntimeError" in html and "Not installed yet." not in html


def test_status_page_needs_a_login(client):
    response = client.get(reverse("status"))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_an_account_without_data_source_is_listed_not_flagged(client, account, other_account, ops):
    response, html = page(client, ops)
    rows = sync_section(response).rows
    assert [(str(row.cells[0]), row.cells[3], row.flagged) for row in rows] == [
        ("Acme Brands · Acme US (US)", "no data source", False)
    ]
    assert "Rival" not in html


def section(response, key):
    return next(s for s in response.context["sections"] if s.key == key)


def test_alert_channel_failures_are_shown_for_the_viewers_organizations_only(client, org, other_org, manager, outsider):
    from refunds.models import AlertChannel, AlertLog

    now = timezone.now()
    for organization, name in ((org, "Acme ops room"), (other_org, "Rival ops room")):
        channel = AlertChannel(organization=organization, name=name, kind="slack")
        channel.url = "https://hooks.slack.com/services/T000/B000/XXXX"
        channel.save()
        AlertLog.objects.create(
            organization=organization,
            key=f"escalation:{name}",
            kind="escalation",
            channel=channel,
            subject=f"Escalation for {name}",
            status="pending",
            attempts=2,
            next_attempt_at=now + dt.timedelta(minutes=4),
            last_attempt_at=now - dt.timedelta(minutes=1),
            last_error="HTTP 500 from hooks.slack.com",
        )
    response, html = page(client, manager)
    alerts = section(response, "alert_channels")
    assert [row.cells[0] for row in alerts.rows] == ["Acme ops room (slack)"]
    assert alerts.level == "warn" and "HTTP 500 from hooks.slack.com" in html and "Rival ops room" not in html
    response, html = page(client, outsider)
    assert [row.cells[0] for row in section(response, "alert_channels").rows] == ["Rival ops room (slack)"]


def test_webhook_endpoints_health_is_shown_for_the_viewers_organizations_only(client, org, other_org, org_admin):
    from developer.models import WebhookEndpoint

    WebhookEndpoint.objects.create(organization=org, url="https://erp.acme.example/hooks", events=[])
    WebhookEndpoint.objects.create(
        organization=org,
        url="https://old.acme.example/hooks",
        events=[],
        is_enabled=False,
        disabled_reason="20 failures in a row since yesterday",
    )
    WebhookEndpoint.objects.create(organization=other_org, url="https://erp.rival.example/hooks", events=[])
    response, html = page(client, org_admin)
    hooks = section(response, "webhook_endpoints")
    states = {str(row.cells[0]).split("·")[-1].split("<")[0].strip(): row.cells[1] for row in hooks.rows}
    assert states == {
        "https://erp.acme.example/hooks": "healthy",
        "https://old.acme.example/hooks": "✖ disabled: 20 failures in a row since yesterday",
    }
    assert hooks.level == "error" and "rival" not in html.lower()
