"""The portal's webhook pages: admins manage endpoints, the secret is shown once, redelivery is an action."""

import re

import pytest
from django.urls import reverse

from developer.choices import DeliveryStatus
from developer.models import WebhookDelivery, WebhookEndpoint
from tests.developer.receiver import Receiver
from tests.developer.webhooks import T0, event, make_endpoint, run

pytestmark = pytest.mark.django_db

ADD = reverse("admin:developer_webhookendpoint_add")
ENDPOINTS = reverse("admin:developer_webhookendpoint_changelist")
DELIVERIES = reverse("admin:developer_webhookdelivery_changelist")


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.stop()


def test_admin_creates_an_endpoint_and_sees_the_secret_once(client, org, org_admin):
    client.force_login(org_admin)
    form = {
        "organization": org.pk,
        "url": "https://erp.example.com/acorn",
        "description": "ERP",
        "events": ["chargeback.created", "sync.failed"],
    }
    response = client.post(ADD, form)
    assert response.status_code == 200, response.content[:500]
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["chargeback.created", "sync.failed"] and endpoint.created_by == org_admin
    page = response.content.decode()
    shown = re.search(r'id="webhook-secret"[^>]*>(whsec_[^<]+)<', page).group(1)
    assert shown == endpoint.secret and "no-store" in response["Cache-Control"]
    for url in (ENDPOINTS, reverse("admin:developer_webhookendpoint_change", args=[endpoint.pk])):
        assert endpoint.secret not in client.get(url).content.decode()


def test_an_internal_url_is_refused_by_the_form(client, org, org_admin):
    client.force_login(org_admin)
    response = client.post(ADD, {"organization": org.pk, "url": "http://192.168.1.10/x", "events": ["sync.failed"]})
    assert response.status_code == 200 and not WebhookEndpoint.objects.exists()
    assert "private, shared, loopback and link-local addresses are not allowed" in response.content.decode()


def test_rotating_shows_the_new_secret_once(client, org, org_admin, receiver):
    endpoint, old = make_endpoint(org, receiver.url)
    client.force_login(org_admin)
    response = client.post(ENDPOINTS, {"action": "rotate_secret", "_selected_action": [endpoint.pk]})
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret in response.content.decode()


def test_other_roles_do_not_manage_webhooks(client, ops, manager):
    for user in (ops, manager):
        client.force_login(user)
        assert client.get(ENDPOINTS).status_code == 403
        assert client.get(DELIVERIES).status_code == 403


def test_redeliver_from_the_delivery_log(client, org, org_admin, receiver):
    make_endpoint(org, receiver.url)
    event(org)
    run(T0)
    delivery = WebhookDelivery.objects.get()
    client.force_login(org_admin)
    page = client.get(reverse("admin:developer_webhookdelivery_change", args=[delivery.pk]))
    assert page.status_code == 200 and "answer 200" in page.content.decode()
    response = client.post(DELIVERIES, {"action": "redeliver", "_selected_action": [delivery.pk]}, follow=True)
    assert "will be sent again" in response.content.decode()
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING


def test_disable_and_enable_actions(client, org, org_admin, receiver):
    endpoint, _ = make_endpoint(org, receiver.url)
    client.force_login(org_admin)
    client.post(ENDPOINTS, {"action": "disable", "_selected_action": [endpoint.pk]})
    endpoint.refresh_from_db()
    assert not endpoint.is_enabled and endpoint.disabled_reason == "Disabled by adam."
    client.post(ENDPOINTS, {"action": "enable", "_selected_action": [endpoint.pk]})
    endpoint.refresh_from_db()
    assert endpoint.is_enabled and endpoint.disabled_reason == ""
