"""Sign-in throttling and lockout (django-axes), its clearing, and the audit rows of sign-ins.

Everything signs in through the real login form with an address (REMOTE_ADDR), as a browser would:
axes counts failures per username and per address, whatever the test client's login() shortcut does.
"""

import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from acorn_portal.models import AuditAction, AuditEvent
from acorn_portal.services import lockout
from tests.conftest import PASSWORD
from tests.two_factor_helpers import enrol, totp_code

LOGIN = reverse("admin:login")
LIMIT = settings.AXES_FAILURE_LIMIT


def sign_in(client, username, password=PASSWORD, address="198.51.100.10"):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=address)


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def locked(response) -> bool:
    return response.status_code == 429 and b"Signing in is locked" in response.content


def test_the_limit_is_configurable_and_counts_usernames_and_addresses():
    assert LIMIT == 5
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]
    assert settings.AUTHENTICATION_BACKENDS[0].endswith("AxesBackendForTestClient")


def test_lockout_per_username_from_any_address(client, ops, finance):
    for i in range(LIMIT - 1):
        response = sign_in(client, "olivia", "wrong", address=f"203.0.113.{i + 1}")
        assert response.status_code == 200 and b"Please enter the correct username and password" in response.content
    assert locked(sign_in(client, "olivia", "wrong", address="203.0.113.99")), "the limit-th failure locks"
    # The right password, from an address never seen before, is refused too.
    assert locked(sign_in(client, "olivia", address="192.0.2.200"))
    # Someone else from one of those addresses is not affected (each address failed once).
    assert signed_in(sign_in(client.__class__(), "fred", address="203.0.113.1"))


def test_lockout_per_address_across_usernames(client, ops, finance):
    for name in ("alice", "bob", "carol", "dave", "erin")[:LIMIT]:
        sign_in(client, name, "guess", address="198.51.100.66")
    # Olivia's own password, from that address, is refused; from elsewhere it works.
    assert locked(sign_in(client, "olivia", address="198.51.100.66"))
    assert signed_in(sign_in(client.__class__(), "olivia", address="198.51.100.67"))


def test_a_success_before_the_limit_resets_the_count(client, ops):
    for _ in range(LIMIT - 1):
        sign_in(client, "olivia", "wrong")
    assert signed_in(sign_in(client, "olivia"))
    client.post(reverse("admin:logout"))
    for _ in range(LIMIT - 1):
        sign_in(client, "olivia", "wrong")
    assert signed_in(sign_in(client, "olivia"))


def _lock(client, username, address="203.0.113.50"):
    for _ in range(LIMIT):
        sign_in(client, username, "wrong", address=address)
    assert locked(sign_in(client, username, address=address))


def test_the_lock_clears_after_the_cool_off(client, ops):
    _lock(client, "olivia")
    assert dt.timedelta(minutes=30) == settings.AXES_COOLOFF_TIME
    # Half an hour passes (the attempts are dated back, as the clock would have moved on).
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=31))
    assert signed_in(sign_in(client, "olivia", address="203.0.113.50"))


def test_still_locked_before_the_cool_off_ends(client, ops):
    _lock(client, "olivia")
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=29))
    assert locked(sign_in(client, "olivia", address="203.0.113.50"))


@pytest.mark.real_2fa
def test_organization_admin_unlocks_a_member(client, org, ops, org_admin):
    _lock(client, "olivia")
    admin_client = client.__class__()
    device = enrol(org_admin)
    assert signed_in(sign_in(admin_client, "adam", address="192.0.2.1"))
    admin_client.post(reverse("two_factor:verify"), {"code": totp_code(device)})

    changelist = reverse("admin:acorn_portal_membership_changelist")
    response = admin_client.post(
        changelist,
        {"action": "clear_lockout", "_selected_action": [ops.memberships.get().pk], "index": 0},
        follow=True,
        REMOTE_ADDR="192.0.2.1",
    )
    assert b"Sign-in lock cleared for olivia" in response.content
    assert not AccessAttempt.objects.filter(username="olivia").exists()
    event = AuditEvent.objects.get(action=AuditAction.LOCKOUT_CLEARED)
    assert (event.actor, event.organization, event.address) == (org_admin, org, "192.0.2.1")
    assert event.detail["username"] == "olivia" and event.detail["records_cleared"] >= 1

    assert signed_in(sign_in(client, "olivia", address="203.0.113.50"))


def test_superuser_unlocks_an_address_in_the_attempts_admin(client, ops, superuser):
    for name in ("alice", "bob", "carol", "dave", "erin")[:LIMIT]:
        sign_in(client, name, "guess", address="198.51.100.66")
    assert locked(sign_in(client, "olivia", address="198.51.100.66"))

    admin_client = client.__class__()
    admin_client.force_login(superuser)  # the second factor is given by tests/conftest.py
    changelist = reverse("admin:axes_accessattempt_changelist")
    page = admin_client.get(changelist)
    assert page.status_code == 200 and b"198.51.100.66" in page.content
    assert b"delete_selected" not in page.content, "unaudited bulk delete is not offered"
    attempt = AccessAttempt.objects.filter(ip_address="198.51.100.66").first()
    response = admin_client.post(
        changelist, {"action": "clear_selected", "_selected_action": [attempt.pk], "index": 0}, follow=True
    )
    assert re.search(rb"\d+ failed sign-in records? cleared\.", response.content)
    assert not AccessAttempt.objects.filter(ip_address="198.51.100.66").exists()
    assert AuditEvent.objects.filter(action=AuditAction.LOCKOUT_CLEARED, detail__address="198.51.100.66").exists()
    assert signed_in(sign_in(client, "olivia", address="198.51.100.66"))


def test_deleting_an_attempt_in_the_admin_is_an_audited_clear(client, ops, superuser):
    _lock(client, "olivia")
    admin_client = client.__class__()
    admin_client.force_login(superuser)
    attempt = AccessAttempt.objects.get(username="olivia")
    response = admin_client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.LOCKOUT_CLEARED, detail__username="olivia").count() == 1


def test_organization_users_cannot_open_the_attempts_admin(client, ops, org_admin):
    for user in (ops, org_admin):
        client.force_login(user)
        assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403


def test_an_admin_cannot_clear_locks_outside_their_organizations(rf, org_admin, outsider, ops):
    request = rf.post("/")
    request.user = org_admin
    with pytest.raises(PermissionDenied):
        lockout.clear_lockout(request=request, username=outsider.username)
    with pytest.raises(PermissionDenied):
        lockout.clear_lockout(request=request, address="198.51.100.66")  # an address is for superusers
    request.user = ops
    with pytest.raises(PermissionDenied):
        lockout.clear_lockout(request=request, username="olivia")
    with pytest.raises(ValueError):
        lockout.clear_lockout(request=request)


# --------------------------------------------------------------------------------------------------
# The audit trail of sign-ins


def test_sign_in_sign_out_and_failures_are_audited(client, org, ops):
    sign_in(client, "olivia", "wrong", address="203.0.113.7")
    sign_in(client, "nobody-here", "wrong", address="203.0.113.8")
    assert signed_in(sign_in(client, "olivia", address="203.0.113.9"))
    client.post(reverse("admin:logout"), REMOTE_ADDR="203.0.113.9")

    rows = list(AuditEvent.objects.order_by("id").values_list("action", "actor_label", "address", "organization"))
    assert rows == [
        (AuditAction.LOGIN_FAILED, "olivia", "203.0.113.7", org.pk),
        (AuditAction.LOGIN_FAILED, "nobody-here", "203.0.113.8", None),  # no organization: superusers see it
        (AuditAction.LOGIN, "olivia", "203.0.113.9", org.pk),
        (AuditAction.LOGOUT, "olivia", "203.0.113.9", org.pk),
    ]
    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).order_by("id").first()
    assert "wrong" not in str(failed.detail), "no password in the audit trail"
    assert failed.detail == {"locked_out": False}


def test_a_refused_sign_in_while_locked_is_audited_as_locked(client, ops):
    _lock(client, "olivia")
    last = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).order_by("id").last()
    assert last.detail == {"locked_out": True} and last.actor_label == "olivia"


@override_settings(ACORN_BEHIND_PROXY=True)
def test_behind_the_proxy_the_forwarded_address_is_counted_and_audited(client, ops):
    for _ in range(LIMIT):
        client.post(
            LOGIN,
            {"username": "olivia", "password": "wrong"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.77",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.77"}
    assert set(AuditEvent.objects.values_list("address", flat=True)) == {"203.0.113.77"}


def test_the_test_client_shortcut_still_logs_in(client, ops):
    """What tests/backends.py allows: login() without a request; it never bypasses a real lock."""
    assert client.login(username="olivia", password=PASSWORD)
    assert not client.login(username="olivia", password="wrong")


def test_the_lockout_page_wears_acorns_name_and_icon(client, ops):
    for i in range(LIMIT):
        response = sign_in(client, "olivia", "wrong", address=f"203.0.113.{i + 1}")
    page = response.content.decode()
    assert locked(response)
    assert "Django administration" not in page and "Django site admin" not in page
    assert '<div id="site-name"><a href="/admin/">ACORN</a></div>' in page
    assert 'rel="icon"' in page and "favicon.svg" in page
