"""Data alerts: stale accounts, failed syncs and rejected imports reach admins and managers once per incident."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from acorn_portal.roles import Role
from datasources.models import DataSource, ImportStatus, SyncStatus
from datasources.services import sync
from datasources.services.alerts import report_stale_accounts
from datasources.services.imports import import_report_file
from refunds.models import AlertChannel, AlertLog
from refunds.models.alerts import ChannelKind
from refunds.services.alerts.dispatch import deliver_due
from simulator.server import serve
from tests.conftest import make_member
from tests.datasources.simtools import make_sources, sim_options
from tests.refunds.alerting import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org, ops, manager, org_admin, other_org):
    """Who should and should not hear of data problems."""
    return {"rival_admin": make_member(other_org, "rick", Role.ADMIN)}


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def source(account, *, created_ago, last_success_ago=None):
    feed = DataSource.objects.create(account=account, name="Feed", kind="data_feed", settings={"base_url": ""})
    now = timezone.now()
    DataSource.objects.filter(pk=feed.pk).update(
        created_at=now - created_ago,
        last_success_at=None if last_success_ago is None else now - last_success_ago,
    )
    return feed


def test_a_stale_account_alerts_once_and_again_only_after_a_success_and_new_staleness(account, people, other_account):
    feed = source(account, created_ago=timedelta(days=3), last_success_ago=timedelta(hours=25))
    source(other_account, created_ago=timedelta(days=3), last_success_ago=timedelta(hours=2))  # fresh: no alert
    now = timezone.now()

    report_stale_accounts(now=now)
    report_stale_accounts(now=now + timedelta(hours=1))
    deliver_due(now=now + timedelta(hours=1))
    assert recipients() == ["adam@example.com", "maria@example.com"]
    assert "No fresh data for Acme US (US)" in mail.outbox[0].subject
    assert "Last successful sync" in mail.outbox[0].body

    # It syncs again; an hour later it is fresh; a day and more later it is stale again: a new incident.
    DataSource.objects.filter(pk=feed.pk).update(last_success_at=now + timedelta(hours=2))
    report_stale_accounts(now=now + timedelta(hours=3))
    deliver_due(now=now + timedelta(hours=3))
    assert len(mail.outbox) == 2
    report_stale_accounts(now=now + timedelta(hours=27))
    report_stale_accounts(now=now + timedelta(hours=28))
    deliver_due(now=now + timedelta(hours=28))
    acme = [m for m in mail.outbox if "Acme US" in m.subject]
    assert sorted(m.to[0] for m in acme) == ["adam@example.com"] * 2 + ["maria@example.com"] * 2
    # By then the rival account has gone stale too: its admin hears of it, and only of it.
    rival = [m for m in mail.outbox if m not in acme]
    assert [(m.to, "Rival US" in m.subject) for m in rival] == [(["rick@example.com"], True)]


def test_a_never_synced_source_is_stale_a_day_after_it_was_added(account, people):
    source(account, created_ago=timedelta(hours=2))
    assert report_stale_accounts() == 0
    assert report_stale_accounts(now=timezone.now() + timedelta(hours=23)) == 2
    deliver_due(now=timezone.now() + timedelta(hours=23))
    assert "never" in mail.outbox[0].subject


def test_data_alerts_go_to_the_chat_channels_marked_for_them(org, account, people):
    with Receiver() as receiver:
        for name, for_data in (("data", True), ("deadlines", False)):
            room = AlertChannel(organization=org, name=name, kind=ChannelKind.SLACK, for_data_alerts=for_data)
            room.url = receiver.url(f"/{name}")
            room.save()
        source(account, created_ago=timedelta(days=2))
        report_stale_accounts()
        deliver_due()
        assert len(receiver.to("/data")) == 1 and receiver.to("/deadlines") == []
        assert "No fresh data" in receiver.to("/data")[0]["json"]["text"]


def test_a_failed_sync_alerts_once_per_failure_streak_with_its_request_ids(account, people):
    with serve(**sim_options()) as sim:
        spapi, feed = make_sources(account, sim.base_url)
        feed.delete()
        spapi.set_credentials({"client_id": "cid", "client_secret": "x", "refresh_token": "wrong"})
        spapi.save()
        (run,) = sync.sync_account(account.pk)
        (again,) = sync.sync_account(account.pk)
    assert run.status == again.status == SyncStatus.FAILED
    deliver_due()
    assert recipients() == ["adam@example.com", "maria@example.com"], "one alert for two failed runs in a row"
    message = mail.outbox[0]
    assert "Sync failed: SP-API of Acme US (US)" in message.subject
    assert "invalid_grant" in message.body
    request_ids = [entry["request_id"] for entry in run.request_log if entry.get("request_id") and entry.get("error")]
    if request_ids:
        assert request_ids[0] in message.body
    assert f"/admin/datasources/syncrun/{run.pk}/change/" in message.body
    assert "wrong" not in message.body, "credentials never reach an alert"


def test_a_rejected_import_alerts_the_organizations_admins_and_managers(account, ops, people):
    done = import_report_file(
        account=account, kind="chargebacks", file=SimpleUploadedFile("defects.csv", b"Colour,Size\nred,XL\n"), user=ops
    )
    assert done.status == ImportStatus.REJECTED
    deliver_due()
    assert recipients() == ["adam@example.com", "maria@example.com"]
    assert "defects.csv" in mail.outbox[0].subject and "olivia" in mail.outbox[0].body
    assert f"/admin/datasources/fileimport/{done.pk}/change/" in mail.outbox[0].body


def test_a_good_import_alerts_nobody(account, ops, people):
    text = "Issue ID,Chargeback Type,Amount,Issue Date,PO #\n1001,ASN Accuracy,25.00,03/04/2025,2JK3S9VC\n"
    done = import_report_file(
        account=account, kind="chargebacks", file=SimpleUploadedFile("ok.csv", text.encode()), user=ops
    )
    assert done.status == ImportStatus.IMPORTED
    assert not AlertLog.objects.exists()


def test_an_incident_without_a_usable_name_is_refused(org):
    from refunds.services.alerts.data import report_data_incident

    for incident in ("", "x" * 141):
        with pytest.raises(ValueError, match="incident needs a name"):
            report_data_incident(organization_id=org.pk, incident=incident, title="t", lines=[])
    assert not AlertLog.objects.exists()
