from decimal import Decimal

import pytest

from acorn_portal.money import (
    CurrencyMismatchError,
    Money,
    MoneyError,
    check_amount_precision,
    quantize,
    to_decimal,
    totals_by_currency,
)


def test_money_adds_same_currency():
    assert Money(Decimal("10.10"), "USD") + Money(Decimal("0.20"), "USD") == Money(Decimal("10.30"), "USD")


def test_money_never_sums_different_currencies():
    with pytest.raises(CurrencyMismatchError, match="USD with EUR"):
        Money(Decimal("1"), "USD") + Money(Decimal("1"), "EUR")


def test_floats_are_refused():
    with pytest.raises(MoneyError, match="float"):
        to_decimal(0.1)
    with pytest.raises(MoneyError, match="float"):
        Money(0.1, "USD")


@pytest.mark.parametrize("bad", ["abc", "1,2,3", "NaN", "Infinity", ""])
def test_non_numbers_are_refused(bad):
    with pytest.raises(MoneyError):
        to_decimal(bad)


def test_unknown_currency_is_refused():
    with pytest.raises(MoneyError, match="Unknown currency"):
        Money(Decimal("1"), "XYZ")


@pytest.mark.parametrize(
    ("amount", "currency", "ok"),
    [
        ("10.05", "USD", True),
        ("10.050", "USD", True),  # trailing zeros are not extra precision
        ("10.005", "USD", False),
        ("1000", "JPY", True),
        ("10.5", "JPY", False),
        ("-3.99", "EUR", True),
    ],
)
def test_amount_precision_follows_the_currency(amount, currency, ok):
    if ok:
        assert check_amount_precision(Decimal(amount), currency) == Decimal(amount)
    else:
        with pytest.raises(MoneyError, match=f"more decimals than {currency}"):
            check_amount_precision(Decimal(amount), currency)


def test_quantize_rounds_half_up_to_the_minor_unit():
    assert quantize(Decimal("2.345"), "USD") == Decimal("2.35")
    assert quantize(Decimal("2.5"), "JPY") == Decimal("3")


def test_totals_are_kept_per_currency():
    totals = totals_by_currency(
        [Money(Decimal("1.50"), "USD"), Money(Decimal("2"), "EUR"), Money(Decimal("3.25"), "USD")]
    )
    assert totals == {"EUR": Money(Decimal("2"), "EUR"), "USD": Money(Decimal("4.75"), "USD")}


def test_money_prints_with_its_currency():
    assert str(Money(Decimal("1234.5"), "USD")) == "1,234.50 USD"
    assert str(Money(Decimal("1234"), "JPY")) == "1,234 JPY"
