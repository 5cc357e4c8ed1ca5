"""The cast: one organization with a user per role, and a second organization that must stay unseen.

Time: no test may depend on the machine's date. A test (or module) that needs a calendar freezes the
clock with time-machine's marker at an explicit instant, e.g.
`pytestmark = pytest.mark.time_machine(datetime(2026, 11, 20, 18, tzinfo=UTC), tick=False)`,
or asks for `frozen_now` (FROZEN_AT unless a marker says otherwise), and builds its dates from it.
Business code reads the time only through acorn_portal.clock, so freezing it freezes everything.
"""

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.test.client import ClientMixin
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from acorn_portal.models import Membership, Organization, VendorAccount
from acorn_portal.roles import Role

PASSWORD = "correct-horse-battery"

# A fixed instant for tests that need "now" and do not care which: a weekday evening in UTC, when
# Los Angeles is still on the same date and Tokyo already on the next.
FROZEN_AT = datetime(2026, 11, 18, 20, 0, tzinfo=UTC)


@pytest.fixture
def frozen_now(time_machine) -> datetime:
    """The clock stands still at the `time_machine` marker's instant, or at FROZEN_AT; returns that instant."""
    from acorn_portal import clock

    if time_machine.traveller is None:
        time_machine.move_to(FROZEN_AT, tick=False)
    return clock.now()


@pytest.fixture(autouse=True)
def _test_client_logins_pass_two_factor(request, monkeypatch):
    """The test client's login() and force_login() stand for a finished sign-in, second factor included.

    Managers, admins and superusers must give a code after their password
    (acorn_portal.services.two_factor). For a test about something else, the shortcut logins give
    them a confirmed authenticator and store it in the session exactly as django_otp.login() does
    after a right code, so the real middleware sees a verified session. Tests of two-factor itself
    are marked `real_2fa` and get plain logins; sign-ins through the login form (browser and lockout
    tests) are never touched.
    """
    if request.node.get_closest_marker("real_2fa"):
        return
    from acorn_portal.services import two_factor

    original = ClientMixin._login

    def _login(self, user, backend=None):
        original(self, user, backend)
        if not two_factor.is_required(user):
            return
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="Test authenticator", confirmed=True
        )
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    monkeypatch.setattr(ClientMixin, "_login", _login)


def make_member(org, username, role, **extra):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, email=f"{username}@example.com")
    Membership.objects.create(user=user, organization=org, role=role)
    user.refresh_from_db()
    return user


@pytest.fixture
def org(db):
    return Organization.objects.create(name="Acme Brands", slug="acme")


@pytest.fixture
def other_org(db):
    return Organization.objects.create(name="Rival Goods", slug="rival")


@pytest.fixture
def account(org):
    return VendorAccount.objects.create(organization=org, name="Acme US", vendor_codes="ACMEU", marketplace="US")


@pytest.fixture
def other_account(other_org):
    return VendorAccount.objects.create(organization=other_org, name="Rival US", vendor_codes="RIVAL", marketplace="US")


@pytest.fixture
def ops(org):
    return make_member(org, "olivia", Role.OPERATIONS)


@pytest.fixture
def finance(org):
    return make_member(org, "fred", Role.FINANCE)


@pytest.fixture
def legal(org):
    return make_member(org, "lena", Role.LEGAL)


@pytest.fixture
def manager(org):
    return make_member(org, "maria", Role.MANAGER)


@pytest.fixture
def org_admin(org):
    return make_member(org, "adam", Role.ADMIN)


@pytest.fixture
def outsider(other_org):
    """An admin of the other organization: the strongest role that must still see nothing of ours."""
    return make_member(other_org, "oscar", Role.ADMIN)


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser(username="root", password=PASSWORD, email="root@example.com")
