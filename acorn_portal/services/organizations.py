"""Creating an organization and its vendor accounts: one place for the commands, the admin and sign-up.

    organization = create_organization(name="Northwind Goods", slug="northwind")
    account = add_vendor_account(organization, name="Northwind US", vendor_codes="QBQFL", marketplace="US",
                                 payment_terms_net_days=60)

Both validate the way the admin forms do (the model's `full_clean`) and raise `ValidationError`
with the field at fault; nothing is written then.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from acorn_portal.models import Organization, VendorAccount


def create_organization(*, name: str, slug: str = "") -> Organization:
    """A new organization, for the command, sign-up and the demo alike.

    A slug given is refused when taken (someone chose it); without one, the first free slug made
    from the name is used ("northwind-goods", then "northwind-goods-2"): two companies may share a name.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the organization a name."})
    slug = (slug or "").strip() or free_slug(name)
    if Organization.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"An organization with the slug {slug!r} already exists."})
    organization = Organization(name=name, slug=slug)
    organization.full_clean()
    organization.save()
    return organization


def free_slug(name: str) -> str:
    """The first slug made from `name` that no organization has."""
    base = slugify(name)[:70] or "organization"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def add_vendor_account(
    organization: Organization,
    *,
    name: str,
    vendor_codes: str,
    marketplace: str,
    currency: str = "",
    time_zone: str = "",
    payment_terms_net_days: int | None = None,
) -> VendorAccount:
    """A vendor account of the organization in one marketplace; currency and time zone default to the marketplace's."""
    if VendorAccount.objects.filter(organization=organization, name=name).exists():
        raise ValidationError({"name": f"{organization.name} already has a vendor account named {name!r}."})
    account = VendorAccount(
        organization=organization,
        name=name,
        vendor_codes=vendor_codes,
        marketplace=(marketplace or "").upper(),
        currency=(currency or "").upper(),
        time_zone=time_zone,
        payment_terms_net_days=payment_terms_net_days,
    )
    account.full_clean()
    account.save()
    return account
