"""The audit trail is append-only and records who, when and from where."""

import pytest
from django.test import RequestFactory

from acorn_portal.models import AuditAction, AuditEvent
from acorn_portal.services.audit import record_audit


def test_record_audit_takes_actor_and_address_from_the_request(org, org_admin):
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7")
    request.user = org_admin
    event = record_audit(AuditAction.EXPORT, request=request, organization=org, rows=12)
    event.refresh_from_db()
    assert (event.actor, event.actor_label, event.address) == (org_admin, "adam", "203.0.113.7")
    assert event.organization == org and event.detail == {"rows": 12}


def test_record_audit_finds_the_organization_of_a_target(org, account):
    event = record_audit(AuditAction.CREDENTIALS_CHANGED, actor_label="system", target=account)
    assert event.organization_id == org.id
    assert (event.object_type, event.object_id) == ("acorn_portal.vendoraccount", str(account.pk))


def test_audit_events_cannot_be_edited_or_deleted(org):
    event = record_audit(AuditAction.LOGIN_FAILED, organization=org, actor_label="mallory")
    event.actor_label = "someone else"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(actor_label="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).actor_label == "mallory"


def test_audit_admin_offers_no_change_or_delete(client, org, org_admin):
    from tests.conftest import PASSWORD

    event = record_audit(AuditAction.EXPORT, organization=org, actor_label="adam")
    client.login(username="adam", password=PASSWORD)
    page = client.get(f"/admin/acorn_portal/auditevent/{event.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.post(f"/admin/acorn_portal/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
