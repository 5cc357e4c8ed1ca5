"""Two-factor authentication: required for managers, admins and superusers, optional for the rest.

Every test here is marked real_2fa: the test client's logins are plain password sign-ins, and the
second factor is given through the real pages with the code an authenticator app would show.
"""

import re

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from acorn_portal.models import AuditAction, AuditEvent, Membership, Organization
from acorn_portal.roles import Role
from acorn_portal.services import two_factor
from acorn_portal.services.demo import DEMO_SLUG
from tests.conftest import PASSWORD, make_member
from tests.refunds.cases import make_chargeback
from tests.two_factor_helpers import enrol, totp_code

pytestmark = pytest.mark.real_2fa

SETUP = reverse("two_factor:setup")
VERIFY = reverse("two_factor:verify")
HOME = reverse("two_factor:home")


def manager_pages(account):
    """Pages a manager works on: the index, the approval queue, a case, the audit trail, the people."""
    case = make_chargeback(account)
    return [
        reverse("admin-apps"),
        reverse("admin:refunds_chargeback_changelist"),
        reverse("admin:refunds_chargeback_change", args=[case.pk]),
        reverse("admin:acorn_portal_auditevent_changelist"),
        reverse("admin:acorn_portal_membership_changelist"),
        reverse("admin:refunds_policyrule_changelist"),
    ]


def password_login(client, user, **extra):
    """The real login form (so axes and the signals see a request)."""
    response = client.post(
        reverse("admin:login"), {"username": user.username, "password": PASSWORD, "next": "/admin/"}, **extra
    )
    assert response.status_code == 302, response.content[:500]
    return response


def two_factor_events(user):
    return list(
        AuditEvent.objects.filter(action=AuditAction.TWO_FACTOR, detail__user=user.username)
        .order_by("id")
        .values_list("detail__event", flat=True)
    )


# --------------------------------------------------------------------------------------------------
# Who must use it


@pytest.mark.parametrize("fixture", ["manager", "org_admin", "superuser"])
def test_a_user_without_2fa_cannot_reach_a_manager_page(client, request, account, fixture):
    user = request.getfixturevalue(fixture)
    password_login(client, user)
    for page in manager_pages(account):
        response = client.get(page)
        assert response.status_code == 302, f"{user} reached {page} without a second factor"
        assert response["Location"].startswith(SETUP), response["Location"]
        assert f"next={page.replace('/', '%2F')}" in response["Location"]
    # The file downloads are out of reach too, and so is a POST.
    assert client.get("/files/evidence/00000000-0000-0000-0000-000000000000/")["Location"].startswith(SETUP)
    assert client.post(reverse("admin:acorn_portal_membership_changelist"), {})["Location"].startswith(SETUP)


def test_a_manager_with_an_authenticator_is_asked_for_a_code_not_enrolment(client, account, manager):
    enrol(manager)
    password_login(client, manager)
    for page in manager_pages(account):
        response = client.get(page)
        assert response.status_code == 302 and response["Location"].startswith(VERIFY)


def test_a_manager_role_in_any_organization_requires_it(client, account, ops, other_org):
    Membership.objects.create(user=ops, organization=other_org, role=Role.MANAGER)
    password_login(client, ops)
    assert client.get(reverse("admin-apps"))["Location"].startswith(SETUP)


@pytest.mark.parametrize("fixture", ["ops", "finance", "legal"])
def test_other_roles_may_go_without(client, request, account, fixture):
    user = request.getfixturevalue(fixture)
    password_login(client, user)
    assert client.get(reverse("admin-apps")).status_code == 200
    assert client.get(reverse("admin:refunds_chargeback_changelist")).status_code == 200
    page = client.get(HOME)
    assert b"optional for your role" in page.content
    assert two_factor.need_for(user) is two_factor.Need.NONE


def test_an_optional_user_who_enrolled_is_asked_every_time(client, ops):
    device = enrol(ops)
    password_login(client, ops)
    assert client.get(reverse("admin-apps"))["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": totp_code(device)})
    assert client.get(reverse("admin-apps")).status_code == 200


def test_the_two_factor_pages_and_logout_stay_open(client, manager):
    password_login(client, manager)
    assert client.get(HOME).status_code == 200
    assert client.get(SETUP).status_code == 200
    assert client.post(reverse("admin:logout")).status_code == 200
    assert client.get(reverse("admin-apps"))["Location"].startswith(reverse("admin:login"))


def test_two_factor_pages_need_a_password_sign_in_first(client, db):
    for page in (HOME, SETUP, VERIFY):
        assert client.get(page)["Location"].startswith(reverse("admin:login"))


# --------------------------------------------------------------------------------------------------
# Enrolment


def test_enrolment_scan_confirm_and_recovery_codes_shown_once(client, account, manager):
    password_login(client, manager)
    page = client.get(SETUP + "?next=/admin/refunds/chargeback/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "<svg" in content and not re.search(r"<script(?![^>]*\bsrc=)", content), "no inline script"
    device = TOTPDevice.objects.get(user=manager, confirmed=False)
    assert two_factor.secret_of(device) in content
    assert client.get(SETUP).content.decode().count(two_factor.secret_of(device)) == 1, "same secret on reload"

    # A wrong code: nothing is switched on, the page says why.
    wrong = "000000" if totp_code(device) != "000000" else "111111"
    page = client.post(SETUP, {"code": wrong, "next": "/admin/refunds/chargeback/"})
    assert b"That code is not valid" in page.content
    assert not TOTPDevice.objects.filter(user=manager, confirmed=True).exists()
    assert client.get(reverse("admin-apps"))["Location"].startswith(SETUP)

    # The right code (django-otp slows retries after a failure: wait it out as a person would).
    _wait_out_throttle(device)
    page = client.post(SETUP, {"code": totp_code(device), "next": "/admin/refunds/chargeback/"})
    assert page.status_code == 200
    codes = list(StaticToken.objects.filter(device__user=manager).values_list("token", flat=True))
    assert len(codes) == 10
    for code in codes:
        assert code in page.content.decode()
    assert b'href="/admin/refunds/chargeback/"' in page.content
    device.refresh_from_db()
    assert device.confirmed

    # The session is verified by the enrolment; the codes are never shown again.
    for url in manager_pages(account):
        assert client.get(url).status_code == 200, url
    for url in (HOME, SETUP):
        later = client.get(url, follow=True).content.decode()
        assert not any(code in later for code in codes)
    assert two_factor_events(manager) == ["enrolled"]


def test_enrolment_refuses_another_users_device(rf, manager, ops):
    device = two_factor.pending_device(ops)
    request = rf.post(SETUP)
    request.user = manager
    with pytest.raises(Exception, match="not an authenticator"):
        two_factor.confirm_enrolment(request=request, device=device, token=totp_code(device))


# --------------------------------------------------------------------------------------------------
# The code after the password


def test_verification_after_password_login(client, account, manager):
    device = enrol(manager)
    password_login(client, manager)
    target = reverse("admin:refunds_chargeback_changelist")
    assert client.get(target)["Location"] == f"{VERIFY}?next={target.replace('/', '%2F')}"

    page = client.post(VERIFY, {"code": "12345", "next": target})
    assert page.status_code == 200 and b"That code is not valid" in page.content
    assert client.get(target).status_code == 302

    _wait_out_throttle(device)
    response = client.post(VERIFY, {"code": totp_code(device), "next": target})
    assert response.status_code == 302 and response["Location"] == target
    assert client.get(target).status_code == 200
    assert two_factor_events(manager) == ["verify_failed", "verified"]
    failed = AuditEvent.objects.get(action=AuditAction.TWO_FACTOR, detail__event="verify_failed")
    assert failed.address == "127.0.0.1" and failed.organization == manager.memberships.get().organization


def test_a_code_is_accepted_once(client, manager):
    device = enrol(manager)
    code = totp_code(device)
    password_login(client, manager)
    assert client.post(VERIFY, {"code": code})["Location"] == reverse("admin:index")
    client.post(reverse("admin:logout"))
    password_login(client, manager)
    page = client.post(VERIFY, {"code": code})
    assert page.status_code == 200, "a replayed code let someone in"


def test_wrong_codes_slow_down_the_next_attempt(client, manager):
    device = enrol(manager)
    password_login(client, manager)
    client.post(VERIFY, {"code": "000001"})
    page = client.post(VERIFY, {"code": totp_code(device)})
    assert b"Too many wrong codes" in page.content, "a right code straight after a wrong one is refused"
    assert client.get(reverse("admin-apps")).status_code == 302
    assert two_factor_events(manager)[-1] == "verify_failed"


def test_next_cannot_leave_the_site(client, manager):
    device = enrol(manager)
    password_login(client, manager)
    response = client.post(VERIFY, {"code": totp_code(device), "next": "https://evil.example/steal"})
    assert response["Location"] == reverse("admin:index")


# --------------------------------------------------------------------------------------------------
# Recovery codes


def _enrol_through_pages(client, user):
    password_login(client, user)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    client.post(SETUP, {"code": totp_code(device)})
    client.post(reverse("admin:logout"))
    return device, list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))


def test_a_recovery_code_signs_in_once(client, account, manager):
    _, codes = _enrol_through_pages(client, manager)
    password_login(client, manager)
    response = client.post(VERIFY, {"code": codes[0].upper(), "next": "/admin/"}, follow=True)
    assert response.status_code == 200
    assert b"recovery code; 9 are left" in response.content
    assert client.get(reverse("admin:refunds_chargeback_changelist")).status_code == 200
    client.post(reverse("admin:logout"))

    password_login(client, manager)
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 200, "a used recovery code worked again"
    assert client.get(reverse("admin-apps")).status_code == 302
    assert two_factor_events(manager)[-2:] == ["verified", "verify_failed"]
    used = AuditEvent.objects.filter(detail__event="verified", detail__user="maria").get()
    assert used.detail["method"] == "recovery_code" and used.detail["recovery_codes_left"] == 9


def test_new_recovery_codes_replace_the_old_ones(client, manager):
    device, old = _enrol_through_pages(client, manager)
    password_login(client, manager)
    client.post(VERIFY, {"code": totp_code(device, steps_ahead=1)})
    page = client.post(reverse("two_factor:recovery_codes"))
    new = list(StaticToken.objects.filter(device__user=manager).values_list("token", flat=True))
    assert len(new) == 10 and not set(new) & set(old)
    assert all(code in page.content.decode() for code in new)
    assert StaticDevice.objects.filter(user=manager).count() == 1
    assert "recovery_codes_regenerated" in two_factor_events(manager)


def test_new_recovery_codes_need_a_verified_session(client, ops):
    password_login(client, ops)  # optional role, not enrolled: nothing to regenerate
    assert client.post(reverse("two_factor:recovery_codes")).status_code == 403


# --------------------------------------------------------------------------------------------------
# Reset by an organization admin or a superuser


def test_organization_admin_resets_a_members_two_factor(client, org, manager, org_admin, outsider):
    enrol(manager)
    StaticDevice.objects.create(user=manager, name="Recovery codes", confirmed=True)
    admin_device = enrol(org_admin)
    password_login(client, org_admin)
    client.post(VERIFY, {"code": totp_code(admin_device)})

    changelist = reverse("admin:acorn_portal_membership_changelist")
    page = client.get(changelist)
    assert page.status_code == 200 and b"reset_two_factor" in page.content
    membership = manager.memberships.get()
    response = client.post(
        changelist, {"action": "reset_two_factor", "_selected_action": [membership.pk], "index": 0}, follow=True
    )
    assert b"Two-factor authentication reset for maria" in response.content
    assert not TOTPDevice.objects.filter(user=manager).exists()
    assert not StaticDevice.objects.filter(user=manager).exists()
    event = AuditEvent.objects.get(action=AuditAction.TWO_FACTOR, detail__event="reset")
    assert (event.actor, event.organization, event.detail["user"]) == (org_admin, org, "maria")
    assert event.detail["devices_removed"] == 2

    # The other organization's admin is not in this admin's reach (not even through a crafted POST).
    outsider_device = enrol(outsider)
    client.post(
        changelist, {"action": "reset_two_factor", "_selected_action": [outsider.memberships.get().pk], "index": 0}
    )
    assert TOTPDevice.objects.filter(pk=outsider_device.pk).exists()

    # Maria, signed in again, must enrol anew.
    client.post(reverse("admin:logout"))
    password_login(client, manager)
    assert client.get(reverse("admin-apps"))["Location"].startswith(SETUP)


def test_an_organization_admin_cannot_reset_someone_who_also_belongs_elsewhere(
    rf, org, other_org, ops, org_admin, superuser
):
    Membership.objects.create(user=ops, organization=other_org, role=Role.MANAGER)
    device = enrol(ops)
    request = rf.post("/")
    request.user = org_admin
    with pytest.raises(Exception, match="may not reset"):
        two_factor.reset_two_factor(request=request, user=ops)
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not two_factor.may_reset(org_admin, superuser)


@pytest.mark.usefixtures("org")
def test_operations_cannot_reset_anyone(rf, ops, manager):
    request = rf.post("/")
    request.user = ops
    assert not two_factor.may_reset(ops, manager)


def test_superuser_resets_through_the_user_admin(client, superuser, manager):
    enrol(manager)
    root_device = enrol(superuser)
    password_login(client, superuser)
    client.post(VERIFY, {"code": totp_code(root_device)})
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [manager.pk], "index": 0},
        follow=True,
    )
    assert b"Two-factor authentication reset for maria" in response.content
    assert not TOTPDevice.objects.filter(user=manager).exists()


def test_a_system_check_refuses_settings_without_the_middleware(settings):
    from acorn_portal.checks import TWO_FACTOR, two_factor_middleware

    assert two_factor_middleware(None) == []
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != TWO_FACTOR]
    assert [error.id for error in two_factor_middleware(None)] == ["acorn.E001"]


def test_device_admins_of_django_otp_are_not_registered():
    from django.contrib import admin

    assert not admin.site.is_registered(TOTPDevice), "it would show secrets and delete devices unaudited"
    assert not admin.site.is_registered(StaticDevice)


# --------------------------------------------------------------------------------------------------
# The demo users


@pytest.fixture
def demo_manager(db):
    demo = Organization.objects.create(name="Demo Brand", slug=DEMO_SLUG)
    return make_member(demo, "manager", Role.MANAGER)


@override_settings(ACORN_2FA_EXEMPT_DEMO=True)
def test_demo_users_are_exempt_while_debug_is_on(client, demo_manager):
    password_login(client, demo_manager)
    assert client.get(reverse("admin-apps")).status_code == 200


@override_settings(ACORN_2FA_EXEMPT_DEMO=False)
def test_demo_users_are_not_exempt_otherwise(client, demo_manager):
    password_login(client, demo_manager)
    assert client.get(reverse("admin-apps"))["Location"].startswith(SETUP)


@override_settings(ACORN_2FA_EXEMPT_DEMO=True)
def test_the_demo_exemption_covers_only_the_demo_organizations_users(client, org):
    namesake = make_member(org, "admin", Role.ADMIN)  # called like a demo user, but a real customer's admin
    password_login(client, namesake)
    assert client.get(reverse("admin-apps"))["Location"].startswith(SETUP)


# --------------------------------------------------------------------------------------------------


def _wait_out_throttle(device):
    """django-otp refuses any code for 2^(n-1) seconds after n failures; a person waits, a test resets."""
    type(device).objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
