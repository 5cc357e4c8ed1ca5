"""The alert admin pages: managers configure, secrets stay write-only, picks stay in the rule's organization."""

from decimal import Decimal

import pytest
from django.urls import reverse

from acorn_portal.models import Membership
from acorn_portal.roles import Role
from refunds.admin_alerts import WatchRuleForm
from refunds.models import AlertChannel, WatchRule
from tests.conftest import make_member

pytestmark = pytest.mark.django_db

HOOK = "https://hooks.slack.com/services/T000/B000/XXXXsecretpath"


def add_channel(client, org, **extra):
    data = {
        "organization": org.pk,
        "name": "Ops room",
        "kind": "dingtalk",
        "new_url": HOOK,
        "new_secret": "SECsigning",
        "for_deadlines": "on",
        "enabled": "on",
        **extra,
    }
    return client.post(reverse("admin:refunds_alertchannel_add"), data)


def test_a_manager_adds_a_channel_whose_url_and_secret_are_never_shown_again(client, org, manager):
    client.force_login(manager)
    response = add_channel(client, org)
    assert response.status_code == 302, response.content.decode()[:2000]
    channel = AlertChannel.objects.get()
    assert channel.url == HOOK and channel.secret == "SECsigning"

    page = client.get(reverse("admin:refunds_alertchannel_change", args=[channel.pk])).content.decode()
    assert "XXXXsecretpath" not in page and "SECsigning" not in page

    # Saving without new values keeps them; "-" removes the secret.
    data = {"organization": org.pk, "name": "Ops room", "kind": "dingtalk", "new_url": "", "new_secret": "-"}
    response = client.post(reverse("admin:refunds_alertchannel_change", args=[channel.pk]), data)
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.url == HOOK and channel.secret == ""


def test_a_channel_needs_a_url_and_not_an_internal_one(client, org, manager):
    client.force_login(manager)
    assert "Give the webhook URL" in add_channel(client, org, new_url="").content.decode()
    assert "private, shared, loopback" in add_channel(client, org, new_url="http://10.0.0.7/hook").content.decode()
    assert "Only http and https" in add_channel(client, org, new_url="file:///etc/passwd").content.decode()
    assert not AlertChannel.objects.exists()


def test_operations_staff_cannot_open_alert_configuration(client, ops):
    client.force_login(ops)
    for name in ("watchrule", "alertchannel", "alertsettings", "alertlog"):
        assert client.get(reverse(f"admin:refunds_{name}_changelist")).status_code == 403


def test_a_manager_saves_a_watch_rule_with_checkboxes_and_type_codes(client, org, manager, account, finance):
    client.force_login(manager)
    data = {
        "organization": org.pk,
        "name": "Big shortages",
        "enabled": "on",
        "families": ["shortage_claim"],
        "deduction_types": "shortage, price_claim ",
        "accounts": [account.pk],
        "marketplaces": ["US"],
        "min_amount": "500.00",
        "currency": "USD",
        "notify_assignee": "on",
        "users": [finance.pk],
        "by_email": "on",
    }
    response = client.post(reverse("admin:refunds_watchrule_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    rule = WatchRule.objects.get()
    assert rule.families == ["shortage_claim"] and rule.deduction_types == ["shortage", "price_claim"]
    assert rule.marketplaces == ["US"] and rule.min_amount == Decimal("500.00")
    assert list(rule.users.all()) == [finance]

    data.pop("currency")
    response = client.post(reverse("admin:refunds_watchrule_add"), {**data, "name": "No currency"})
    assert "A minimum amount needs its currency" in response.content.decode()


def test_a_watch_rule_cannot_pick_accounts_people_or_channels_of_another_organization(
    org, other_org, other_account, manager
):
    Membership.objects.create(user=manager, organization=other_org, role=Role.MANAGER)  # manager of both
    rival_channel = AlertChannel(organization=other_org, name="rival", kind="slack")
    rival_channel.url = HOOK
    rival_channel.save()
    rival_person = make_member(other_org, "rita", Role.OPERATIONS)
    form = WatchRuleForm(
        data={
            "organization": org.pk,
            "name": "Mixed",
            "accounts": [other_account.pk],
            "users": [rival_person.pk],
            "channels": [rival_channel.pk],
            "by_email": "on",
        }
    )
    assert not form.is_valid()
    assert set(form.errors) >= {"accounts", "users", "channels"}
