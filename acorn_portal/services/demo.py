"""The demo organization: "Demo Brand" with US, CA and DE vendor accounts and one user per role.

`ensure_demo_organization()` is idempotent: it creates what is missing and leaves the rest alone.
Demo users get the password `acorn-demo` when they are created; a password someone changed since is
kept unless `reset_passwords=True` (the `seed_demo --reset-passwords` flag) puts the demo one back.
A demo user's role is always set back to the one below, since the demo tour depends on it.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from acorn_portal.models import Membership, Organization, VendorAccount
from acorn_portal.roles import Role

DEMO_SLUG = "demo-brand"
DEMO_NAME = "Demo Brand"
DEMO_PASSWORD = "acorn-demo"  # noqa: S105 - a published demo credential, not a secret
# (marketplace, account name, vendor code)
DEMO_ACCOUNTS = [
    ("US", "Demo Brand US", "DMBUS"),
    ("CA", "Demo Brand CA", "DMBCA"),
    ("DE", "Demo Brand DE", "DMBDE"),
]
# Two of each role that works cases in turn, so the demo shows four eyes (one prepares, another
# approves) and the second approval above the threshold (a manager, then finance).
DEMO_USERS = {
    "ops": Role.OPERATIONS,
    "ops2": Role.OPERATIONS,
    "finance": Role.FINANCE,
    "legal": Role.LEGAL,
    "manager": Role.MANAGER,
    "manager2": Role.MANAGER,
    "admin": Role.ADMIN,
}


@dataclass
class DemoOrganization:
    organization: Organization
    accounts: dict[str, VendorAccount]  # by marketplace code
    users: dict[str, object]  # by username


def ensure_demo_organization(*, reset_passwords: bool = False) -> DemoOrganization:
    """Create (or find) the demo organization, its vendor accounts, users and memberships."""
    with transaction.atomic():
        organization, _ = Organization.objects.get_or_create(slug=DEMO_SLUG, defaults={"name": DEMO_NAME})
        accounts = {
            marketplace: VendorAccount.objects.get_or_create(
                organization=organization, name=name, defaults={"marketplace": marketplace, "vendor_codes": code}
            )[0]
            for marketplace, name, code in DEMO_ACCOUNTS
        }
        users = {
            username: _ensure_member(organization, username, role, reset_password=reset_passwords)
            for username, role in DEMO_USERS.items()
        }
    return DemoOrganization(organization=organization, accounts=accounts, users=users)


def _ensure_member(organization, username: str, role: str, *, reset_password: bool):
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"email": f"{username}@demo-brand.example", "first_name": username.title()}
    )
    if created or reset_password:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    membership, created = Membership.objects.get_or_create(
        user=user, organization=organization, defaults={"role": role}
    )
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])  # the post_save signal re-syncs the user's groups
    user.refresh_from_db()
    return user
