"""Numbers and dates as Vendor Central prints them, read by the vendor account's marketplace."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from datasources.connectors.locale_values import ValueLocale, parse_date, parse_decimal, parse_integer

US, DE, UK, JP = (ValueLocale.for_marketplace(code) for code in ("US", "DE", "UK", "JP"))


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("1,234.56", US, "1234.56"),
        ("1.234,56", DE, "1234.56"),
        ("1.234,56", US, "1234.56"),  # both separators: unambiguous whatever the marketplace
        ("1,234", US, "1234"),
        ("1,234", DE, "1.234"),
        ("1.234", DE, "1234"),
        ("1.234", US, "1.234"),
        ("12,5", DE, "12.5"),
        ("12.50", DE, "12.50"),
        ("1.234.567", DE, "1234567"),
        ("$1,234.56", US, "1234.56"),
        ("1.234,56 €", DE, "1234.56"),
        ("EUR 12,50", DE, "12.50"),
        ("(12.50)", US, "-12.50"),
        ("12.50-", US, "-12.50"),
        ("-1 234,5", DE, "-1234.5"),
        ("1'234.50", UK, "1234.50"),
        ("¥1,200", JP, "1200"),
        (12.5, US, "12.5"),
        (1234, DE, "1234"),
    ],
)
def test_parse_decimal(text, locale, expected):
    assert parse_decimal(text, locale) == Decimal(expected)


@pytest.mark.parametrize("text", ["abc", "", "12abc", "1,2,3.4.5", "N/A", True])
def test_parse_decimal_refuses_what_is_not_a_number(text):
    with pytest.raises(ValueError):
        parse_decimal(text, US)


def test_parse_integer_refuses_fractions():
    assert parse_integer("1,200", US) == 1200
    with pytest.raises(ValueError, match="whole number"):
        parse_integer("1,5", DE)


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("03/04/2025", US, date(2025, 3, 4)),  # month first
        ("03/04/2025", UK, date(2025, 4, 3)),  # day first
        ("03.04.2025", DE, date(2025, 4, 3)),
        ("2025/03/04", JP, date(2025, 3, 4)),  # year first
        ("2025-03-04", US, date(2025, 3, 4)),  # ISO is ISO everywhere
        ("2025-03-04", DE, date(2025, 3, 4)),
        ("2025年3月4日", JP, date(2025, 3, 4)),
        ("25/03/2025", US, date(2025, 3, 25)),  # a day above 12 says which way it is
        ("03/25/2025", DE, date(2025, 3, 25)),
        ("03/04/25", US, date(2025, 3, 4)),
        ("4 Mar 2025", US, date(2025, 3, 4)),
        ("Mar 4, 2025", DE, date(2025, 3, 4)),
        ("04-Mar-2025", US, date(2025, 3, 4)),
        ("2025-03-04 10:22:33", US, date(2025, 3, 4)),
        ("2025-03-04T10:22:33Z", US, date(2025, 3, 4)),
        (datetime(2025, 3, 4, 10, 0), US, date(2025, 3, 4)),
        (45720, US, date(2025, 3, 4)),  # an Excel serial number in a cell without a date format
    ],
)
def test_parse_date(text, locale, expected):
    assert parse_date(text, locale) == expected


@pytest.mark.parametrize("text", ["31.02.2025", "13/13/2025", "yesterday", "4 Foo 2025", "2025", "1/2/123"])
def test_parse_date_refuses_what_is_not_a_date(text):
    with pytest.raises(ValueError):
        parse_date(text, DE)
