"""Dates and amounts written for the active language (what people read; never what is stored or sent)."""

from django.utils import formats


def local_date(value) -> str:
    """A date the way the reader writes it: 2026-12-07 in English, 2026年12月7日 in Chinese."""
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else "—"


def local_datetime(value) -> str:
    return formats.date_format(value, "SHORT_DATETIME_FORMAT") if value else "—"


def local_number(value, decimal_pos: int | None = None) -> str:
    """Grouped digits with the language's separators; `decimal_pos` keeps a currency's decimals."""
    return formats.number_format(value, decimal_pos, use_l10n=True, force_grouping=True)
