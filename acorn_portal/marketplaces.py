"""Amazon marketplaces a vendor account can sell in: id, region, currency and time zone.

Marketplace ids and regional endpoints are Amazon's (docs/AMAZON.md, § spapi). The time zone
is the one deadlines are computed in; Amazon shows Vendor Central dates in the marketplace's local
time.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


class Region(models.TextChoices):
    NA = "NA", _("North America")
    EU = "EU", _("Europe")
    FE = "FE", _("Far East")


@dataclass(frozen=True)
class Marketplace:
    code: str
    name: str
    marketplace_id: str
    region: str
    currency: str
    time_zone: str


MARKETPLACES: dict[str, Marketplace] = {
    m.code: m
    for m in [
        Marketplace("US", _("United States"), "ATVPDKIKX0DER", Region.NA, "USD", "America/Los_Angeles"),
        Marketplace("CA", _("Canada"), "A2EUQ1WTGCTBG2", Region.NA, "CAD", "America/Toronto"),
        Marketplace("MX", _("Mexico"), "A1AM78C64UM0Y8", Region.NA, "MXN", "America/Mexico_City"),
        Marketplace("BR", _("Brazil"), "A2Q3Y263D00KWC", Region.NA, "BRL", "America/Sao_Paulo"),
        Marketplace("UK", _("United Kingdom"), "A1F83G8C2ARO7P", Region.EU, "GBP", "Europe/London"),
        Marketplace("DE", _("Germany"), "A1PA6795UKMFR9", Region.EU, "EUR", "Europe/Berlin"),
        Marketplace("FR", _("France"), "A13V1IB3VIYZZH", Region.EU, "EUR", "Europe/Paris"),
        Marketplace("IT", _("Italy"), "APJ6JRA9NG5V4", Region.EU, "EUR", "Europe/Rome"),
        Marketplace("ES", _("Spain"), "A1RKKUPIHCS9HS", Region.EU, "EUR", "Europe/Madrid"),
        Marketplace("NL", _("Netherlands"), "A1805IZSGTT6HS", Region.EU, "EUR", "Europe/Amsterdam"),
        Marketplace("SE", _("Sweden"), "A2NODRKZP88ZB9", Region.EU, "SEK", "Europe/Stockholm"),
        Marketplace("PL", _("Poland"), "A1C3SOZRARQ6R3", Region.EU, "PLN", "Europe/Warsaw"),
        Marketplace("BE", _("Belgium"), "AMEN7PMS3EDWL", Region.EU, "EUR", "Europe/Brussels"),
        Marketplace("IE", _("Ireland"), "A28R8C7NBKEWEA", Region.EU, "EUR", "Europe/Dublin"),
        Marketplace("TR", _("Turkey"), "A33AVAJ2PDY3EV", Region.EU, "TRY", "Europe/Istanbul"),
        Marketplace("EG", _("Egypt"), "ARBP9OOSHTCHU", Region.EU, "EGP", "Africa/Cairo"),
        Marketplace("AE", _("United Arab Emirates"), "A2VIGQ35RCS4UG", Region.EU, "AED", "Asia/Dubai"),
        Marketplace("SA", _("Saudi Arabia"), "A17E79C6D8DWNP", Region.EU, "SAR", "Asia/Riyadh"),
        Marketplace("IN", _("India"), "A21TJRUUN4KGV", Region.EU, "INR", "Asia/Kolkata"),
        Marketplace("JP", _("Japan"), "A1VC38T7YXB528", Region.FE, "JPY", "Asia/Tokyo"),
        Marketplace("AU", _("Australia"), "A39IBJ37TRP1C6", Region.FE, "AUD", "Australia/Sydney"),
        Marketplace("SG", _("Singapore"), "A19VAU5U5O7RUS", Region.FE, "SGD", "Asia/Singapore"),
    ]
}

MARKETPLACE_CHOICES = [(m.code, format_lazy("{} ({})", m.name, m.code)) for m in MARKETPLACES.values()]

SP_API_ENDPOINTS = {
    Region.NA: "https://sellingpartnerapi-na.amazon.com",
    Region.EU: "https://sellingpartnerapi-eu.amazon.com",
    Region.FE: "https://sellingpartnerapi-fe.amazon.com",
}


def get_marketplace(code: str) -> Marketplace:
    """The marketplace for a code like "US"; a clear error for an unknown one."""
    try:
        return MARKETPLACES[code.strip().upper()]
    except (KeyError, AttributeError):
        known = ", ".join(MARKETPLACES)
        raise ValueError(f"Unknown marketplace {code!r}; known marketplaces: {known}.") from None
