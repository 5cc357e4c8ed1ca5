import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from acorn_portal.marketplaces import MARKETPLACES
from acorn_portal.models import Membership, Organization, VendorAccount
from acorn_portal.roles import ROLE_PERMISSIONS, Role, group_name

REQUIRED_MARKETPLACES = [
    "US",
    "CA",
    "MX",
    "BR",
    "UK",
    "DE",
    "FR",
    "IT",
    "ES",
    "NL",
    "SE",
    "PL",
    "BE",
    "TR",
    "JP",
    "AU",
    "SG",
    "IN",
    "AE",
    "SA",
]


def test_every_required_marketplace_has_id_currency_and_time_zone():
    for code in REQUIRED_MARKETPLACES:
        market = MARKETPLACES[code]
        assert market.marketplace_id and market.currency and market.time_zone and market.region


def test_vendor_account_takes_region_currency_and_time_zone_from_marketplace(org):
    account = VendorAccount.objects.create(organization=org, name="DE", vendor_codes="abc12, ABC13", marketplace="DE")
    assert (account.region, account.marketplace_id, account.currency) == ("EU", "A1PA6795UKMFR9", "EUR")
    assert account.time_zone == "Europe/Berlin"
    assert account.vendor_code_list == ["ABC12", "ABC13"]


def test_unknown_marketplace_is_refused_naming_the_field(org):
    account = VendorAccount(organization=org, name="Mars", vendor_codes="X", marketplace="MA")
    with pytest.raises(ValidationError) as excinfo:
        account.full_clean()
    assert "marketplace" in excinfo.value.message_dict
    with pytest.raises(ValidationError, match="Unknown marketplace"):
        account.save()
    assert not VendorAccount.objects.filter(name="Mars").exists()


def test_vendor_account_needs_a_vendor_code(org):
    with pytest.raises(ValidationError) as excinfo:
        VendorAccount(organization=org, name="US", vendor_codes=" , ", marketplace="US").full_clean()
    assert "vendor_codes" in excinfo.value.message_dict


def test_visible_to_scopes_by_membership(account, other_account, ops, outsider, superuser):
    assert list(VendorAccount.objects.visible_to(ops)) == [account]
    assert list(VendorAccount.objects.visible_to(outsider)) == [other_account]
    assert set(VendorAccount.objects.visible_to(superuser)) == {account, other_account}
    assert list(Organization.objects.visible_to(ops)) == [account.organization]


def test_user_without_membership_sees_nothing(account):
    lurker = get_user_model().objects.create_user("lurker", password="x", is_staff=True)
    assert not VendorAccount.objects.visible_to(lurker).exists()


def test_membership_gives_the_role_group_and_staff_access(org, other_org):
    user = get_user_model().objects.create_user("pat", password="x")
    Membership.objects.create(user=user, organization=org, role=Role.MANAGER)
    Membership.objects.create(user=user, organization=other_org, role=Role.FINANCE)
    user.refresh_from_db()
    assert user.is_staff
    assert set(user.groups.values_list("name", flat=True)) == {group_name(Role.MANAGER), group_name(Role.FINANCE)}
    Membership.objects.filter(user=user).delete()
    user.refresh_from_db()
    assert not user.is_staff
    assert not user.groups.exists()


def test_role_groups_hold_their_permissions(db):
    from django.contrib.auth.models import Group

    for role, codenames in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=group_name(role))
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert held == set(codenames), role
