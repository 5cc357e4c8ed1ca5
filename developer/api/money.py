"""Money on the wire: `{"amount": "12.50", "currency": "USD"}`, the amount a string at the currency's precision."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_serializer, inline_serializer
from rest_framework import serializers

from acorn_portal.money import CURRENCY_DECIMALS

_EXPONENTS = {code: Decimal(1).scaleb(-places) for code, places in CURRENCY_DECIMALS.items()}


def money(amount, currency: str) -> dict | None:
    if amount is None:
        return None
    exponent = _EXPONENTS.get(currency)
    value = amount.quantize(exponent) if exponent is not None else amount
    return {"amount": str(value), "currency": currency}


class MoneySerializer(serializers.Serializer):
    """An amount with its currency."""

    amount = serializers.CharField(help_text="Decimal string at the currency's precision, e.g. '12.50'.")
    currency = serializers.CharField(help_text="ISO 4217 code.")


def money_field(**kwargs):
    """The schema of a money object, for documentation serializers."""
    return MoneySerializer(**kwargs)


def page_of(serializer_class, name: str):
    """The schema of a cursor page of `serializer_class` items.

    `many=False`: a `list` action answers with ONE page object; without it drf-spectacular documents
    the response as an array of pages.
    """
    page = inline_serializer(
        name=f"{name}Page",
        fields={
            "next": serializers.URLField(allow_null=True, help_text="The next page, or null on the last one."),
            "next_cursor": serializers.CharField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )
    extend_schema_serializer(many=False)(type(page))
    return page
