"""The start page's checklist ticks each step from the facts, for the organization in use only."""

import pytest
from django.utils import timezone

from acorn_portal.checklist import checklist
from acorn_portal.models_people import Person
from datasources.models import DataSource, SyncRun, SyncStatus
from refunds.models import AlertChannel

pytestmark = pytest.mark.django_db


def done(organization, user) -> dict:
    return {step.key: step.done for step in checklist(organization, user)}


def test_every_step_ticks_when_its_fact_is_true(org, org_admin, account, ops, other_org, other_account):
    steps = done(org, org_admin)
    assert list(steps) == [
        "verify_email",
        "two_factor",
        "first_account",
        "first_source",
        "first_sync",
        "invite_team",
        "alert_channel",
    ]
    assert steps["first_account"] and steps["invite_team"]  # the fixtures made an account and a colleague
    assert not any(steps[k] for k in ("verify_email", "first_source", "first_sync", "alert_channel"))

    Person.objects.create(user=org_admin, email_verified_at=timezone.now())
    source = DataSource.objects.create(account=account, name="Feed", kind="data_feed")
    SyncRun.objects.create(data_source=source, account=account, started_at=timezone.now(), status=SyncStatus.FAILED)
    steps = done(org, org_admin)
    assert steps["verify_email"] and steps["first_source"] and not steps["first_sync"]
    SyncRun.objects.create(data_source=source, account=account, started_at=timezone.now(), status=SyncStatus.SUCCEEDED)
    AlertChannel.objects.create(organization=org, name="Slack", kind="slack", url="https://hooks.example.com/x")
    steps = done(org, org_admin)
    assert steps["first_sync"] and steps["alert_channel"]
    # Another organization's progress is its own.
    other = done(other_org, org_admin)
    assert not other["first_source"] and not other["first_sync"] and not other["alert_channel"]


def test_the_start_page_and_the_dashboard_show_the_checklist(client, org, org_admin):
    client.force_login(org_admin)
    page = client.get("/account/start/").content.decode()
    assert 'id="onboarding-checklist"' in page and "Acme Brands" in page
    assert 'id="onboarding-checklist"' in client.get("/dashboard/").content.decode()
