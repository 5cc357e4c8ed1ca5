"""Validation of ingest values against the model fields they land in, compiled once per field.

Why compiled: a sync of a million deductions checks fifteen million values. Looking up the field's
type, its choices and its limits for each of them took longer than writing the rows, so each field
gets one small closure with everything it needs precomputed (`checkers(model)`), and the money
precision check takes a shortcut for the common case of an amount already at its minor unit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from django.db import models

from acorn_portal.money import CURRENCY_DECIMALS, MoneyError, check_amount_precision

Checker = Callable[[object], "str | None"]

_UNSIGNED = (models.PositiveIntegerField, models.PositiveSmallIntegerField, models.PositiveBigIntegerField)


# Each checker handles None itself (`missing`: what an absent value means for its field), so a value
# costs one call: a million deductions are fifteen million of them.


def _text_checker(model_field, missing) -> Checker:
    blank, max_length = model_field.blank, model_field.max_length
    choices = [str(choice) for choice, _ in model_field.flatchoices] if model_field.choices else []
    allowed = frozenset(choices)

    def check(value):
        if not isinstance(value, str):
            return missing if value is None else "must be text"
        if value == "":
            return None if blank else "is required"
        if max_length is not None and len(value) > max_length:
            return f"is longer than {max_length} characters"
        if allowed and value not in allowed:
            return f"{value!r} is not one of: {', '.join(choices)}"
        return None

    return check


def _decimal_checker(model_field, missing) -> Checker:
    places = model_field.decimal_places
    limit = Decimal(10) ** (model_field.max_digits - places)

    def check(value):
        if value is None:
            return missing
        if not isinstance(value, Decimal) or not value.is_finite():
            return "must be a Decimal (never a float)"
        exponent = value.as_tuple().exponent
        if -exponent > places:
            # Trailing zeros (1.230000) are not extra precision; normalising is slow, so only here.
            exponent = value.normalize().as_tuple().exponent
            if isinstance(exponent, int) and -exponent > places:
                return f"{value} has more than {places} decimals"
        if abs(value) >= limit:
            return f"{value} is too large"
        return None

    return check


def _datetime_checker(model_field, missing) -> Checker:
    def check(value):
        if value is None:
            return missing
        if not isinstance(value, datetime) or value.utcoffset() is None:
            return "must be a timezone-aware datetime"
        return None

    return check


def _date_checker(model_field, missing) -> Checker:
    def check(value):
        if value is None:
            return missing
        if not isinstance(value, date) or isinstance(value, datetime):
            return "must be a date"
        return None

    return check


def _integer_checker(model_field, missing) -> Checker:
    unsigned = isinstance(model_field, _UNSIGNED)

    def check(value):
        if value is None:
            return missing
        if not isinstance(value, int) or isinstance(value, bool):
            return "must be a whole number"
        if unsigned and value < 0:
            return f"{value} is negative; quantities cannot be"
        return None

    return check


def _any_checker(model_field, missing) -> Checker:
    def check(value):
        return missing if value is None else None

    return check


def field_checker(model_field) -> Checker:
    """What is wrong with a value for a model field (None if nothing), judged the way the database and forms would."""
    missing = None if model_field.null else "is required"
    if isinstance(model_field, (models.CharField, models.TextField)):
        return _text_checker(model_field, missing)
    if isinstance(model_field, models.DecimalField):
        return _decimal_checker(model_field, missing)
    if isinstance(model_field, models.DateTimeField):
        return _datetime_checker(model_field, missing)
    if isinstance(model_field, models.DateField):
        return _date_checker(model_field, missing)
    if isinstance(model_field, models.IntegerField):
        return _integer_checker(model_field, missing)
    return _any_checker(model_field, missing)


@cache
def checkers(model) -> dict[str, Checker]:
    """One checker per concrete field of `model`, by field name."""
    return {f.name: field_checker(f) for f in model._meta.concrete_fields}


def check_values(model, values: dict, account, prefix: str, errors: list[tuple[str, str]]) -> None:
    """Field checks from the model, then currency and minor-unit precision of every money field."""
    model_checkers = checkers(model)
    for name, value in values.items():
        problem = model_checkers[name](value)
        if problem:
            errors.append((prefix + name, problem))
    currency = values.get("currency")
    if currency is not None and currency != account.currency:
        errors.append(
            (prefix + "currency", f"{currency!r} does not match the vendor account's currency {account.currency!r}")
        )
        return
    places = CURRENCY_DECIMALS.get(account.currency, 0)
    for amount_field, currency_field in getattr(model, "money_fields", ()):
        amount = values.get(amount_field)
        if not (isinstance(amount, Decimal) and amount.is_finite() and values.get(currency_field) == account.currency):
            continue
        if -amount.as_tuple().exponent <= places:
            continue  # already at or above the minor unit: nothing to refuse
        try:
            check_amount_precision(amount, account.currency, field=amount_field)
        except MoneyError as exc:
            errors.append((prefix + amount_field, str(exc).split(": ", 1)[-1]))
