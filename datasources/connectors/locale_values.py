"""Numbers and dates as Vendor Central exports print them, read by the account's marketplace.

Amazon localises its downloads: a German account gets `1.234,56` and `03.04.2025` (4 March), a US
account `1,234.56` and `03/04/2025` (3 April), a Japanese one `2025/03/04`. Values that say which
way they are written (both separators present, a four-digit year first, a day above 12) are read
as written; only the ambiguous ones are decided by the marketplace. Spreadsheet cells that are
already numbers or dates are taken as they are. Every failure raises ValueError with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

# Marketplaces whose exports write 1.234,56 (everything else writes 1,234.56).
DECIMAL_COMMA_MARKETPLACES = frozenset({"DE", "FR", "IT", "ES", "NL", "SE", "PL", "BE", "TR", "BR"})
MONTH_FIRST_MARKETPLACES = frozenset({"US", "CA"})
YEAR_FIRST_MARKETPLACES = frozenset({"JP"})

_CURRENCY_NOISE = re.compile(r"[$€£¥₹\s\u00a0\u202f']")  # symbols, spaces and Swiss 1'234 grouping
_CURRENCY_CODE = re.compile(r"^[A-Z]{3}|[A-Z]{3}$")  # USD 12.50, 12,50 EUR
_EXCEL_EPOCH = date(1899, 12, 30)
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}


@dataclass(frozen=True)
class ValueLocale:
    """How one marketplace writes ambiguous numbers and dates."""

    decimal_comma: bool
    date_order: str  # "MDY", "DMY" or "YMD"

    @classmethod
    def for_marketplace(cls, code: str) -> ValueLocale:
        """US/CA month first, JP year first, the rest day first; decimal comma where Amazon prints one."""
        code = (code or "").upper()
        if code in YEAR_FIRST_MARKETPLACES:
            order = "YMD"
        elif code in MONTH_FIRST_MARKETPLACES:
            order = "MDY"
        else:
            order = "DMY"
        return cls(decimal_comma=code in DECIMAL_COMMA_MARKETPLACES, date_order=order)


# --------------------------------------------------------------------------------------------------
# Numbers


def parse_decimal(value, locale: ValueLocale) -> Decimal:
    """An amount from a cell: `1,234.56`, `1.234,56 €`, `(12.50)`, `12.50-`, `$1,234`, or a spreadsheet number."""
    if isinstance(value, bool):
        raise ValueError("is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # Spreadsheet cells are doubles; their shortest repr is what the person typed (12.5, not 12.4999…).
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    text = str(value).strip()
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    text = _CURRENCY_CODE.sub("", _CURRENCY_NOISE.sub("", text))
    if text.endswith("-"):
        negative, text = True, text[:-1]
    if text.startswith("-"):
        negative, text = not negative, text[1:]
    elif text.startswith("+"):
        text = text[1:]
    if not text or not re.fullmatch(r"[0-9.,]+", text):
        raise ValueError("is not a number")
    number = _decide_separators(text, locale)
    try:
        result = Decimal(number)
    except InvalidOperation:
        raise ValueError("is not a number") from None
    return -result if negative else result


def _decide_separators(text: str, locale: ValueLocale) -> str:
    """Plain digits with one `.` decimal point, whichever way the separators were written."""
    if "," in text and "." in text:
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
    elif "," in text or "." in text:
        sep = "," if "," in text else "."
        groups = text.split(sep)
        if len(groups) > 2:
            decimal_sep = "," if sep == "." else "."  # 1.234.567: thousands only
        elif len(groups[1]) != 3:
            decimal_sep = sep  # 12,5 or 12.50: a decimal separator
        else:
            decimal_sep = "," if locale.decimal_comma else "."  # 1,234 vs 1.234: the marketplace decides
    else:
        return text
    thousands = "." if decimal_sep == "," else ","
    whole, _, fraction = text.replace(thousands, "").partition(decimal_sep)
    if decimal_sep in fraction:
        raise ValueError("has two decimal separators")
    return f"{whole or '0'}.{fraction}" if fraction else whole


def parse_integer(value, locale: ValueLocale) -> int:
    number = parse_decimal(value, locale)
    if number != number.to_integral_value():
        raise ValueError("is not a whole number")
    return int(number)


# --------------------------------------------------------------------------------------------------
# Dates

_NUMERIC_DATE = re.compile(r"(\d{1,4})[./\-](\d{1,2})[./\-](\d{1,4})\.?")
_JAPANESE_DATE = re.compile(r"(\d{4})年\s*(\d{1,2})月\s*(\d{1,2})日")
_NAMED_MONTH = re.compile(
    r"(?:(\d{1,2})[\s.\-]+([A-Za-z]+)\.?[\s.\-,]+(\d{2,4}))|(?:([A-Za-z]+)\.?[\s\-]+(\d{1,2}),?[\s\-]+(\d{2,4}))"
)


def parse_date(value, locale: ValueLocale) -> date:
    """A date from a cell: a spreadsheet date or serial number, ISO, `03/04/2025` by locale, `4 Mar 2025`."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20_000 <= value <= 80_000:  # an Excel serial day number in a cell without a date format
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise ValueError("is not a date")
    text = str(value).strip()
    # A time after the date (2025-03-04 10:22:33, 2025-03-04T10:22:33Z) says nothing about the day.
    text = re.split(r"[T\s](?=\d{1,2}:\d{2})", text, maxsplit=1)[0].strip()
    for reader in (_numeric_date, _japanese_date, _named_month_date):
        result = reader(text, locale)
        if result is not None:
            return result
    raise ValueError("is not a date")


def _numeric_date(text: str, locale: ValueLocale) -> date | None:
    match = _NUMERIC_DATE.fullmatch(text)
    if not match:
        return None
    a, b, c = match.groups()
    if len(a) == 4:
        return _make(int(a), int(b), int(c))  # year first is never ambiguous
    first, second, year = int(a), int(b), _full_year(c)
    if locale.date_order == "MDY":
        month, day = (first, second) if first <= 12 or second > 12 else (second, first)
    else:  # day first (JP writes year first; a two-part-first JP value is read day-first like most of the world)
        day, month = (first, second) if second <= 12 or first > 12 else (second, first)
    if first > 12 and second > 12:
        raise ValueError("is not a date")
    return _make(year, month, day)


def _japanese_date(text: str, locale: ValueLocale) -> date | None:
    match = _JAPANESE_DATE.fullmatch(text)
    return _make(*(int(g) for g in match.groups())) if match else None


def _named_month_date(text: str, locale: ValueLocale) -> date | None:
    match = _NAMED_MONTH.fullmatch(text)
    if not match:
        return None
    day, month_name, year = match.group(1, 2, 3) if match.group(1) else (match.group(5), match.group(4), match.group(6))
    month = _MONTHS.get(month_name.lower())
    if month is None:
        raise ValueError(f"has an unknown month {month_name!r}")
    return _make(_full_year(year), month, int(day))


def _full_year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        return 2000 + year
    if len(text) != 4:
        raise ValueError("has a year that is not two or four digits")
    return year


def _make(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError("is not a valid date") from None
