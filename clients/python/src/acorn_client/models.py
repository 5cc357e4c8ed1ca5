"""Typed models: dataclasses built from the API's JSON, with Decimal money, dates and datetimes parsed.

Each model knows the fields the API documents. Fields the server adds later are kept in `extra`
rather than dropped or failing, so an older client keeps working against a newer server.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, ClassVar, TypeVar

M = TypeVar("M", bound="Model")


@dataclass(frozen=True)
class Money:
    """An amount with its currency. Never a float: amounts travel as strings and stay Decimal."""

    amount: Decimal
    currency: str

    def __post_init__(self):
        if not isinstance(self.amount, Decimal):
            object.__setattr__(self, "amount", to_decimal(self.amount))

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def to_api(self) -> dict[str, str]:
        return {"amount": str(self.amount), "currency": self.currency}


def to_decimal(value: Any) -> Decimal:
    if isinstance(value, float):
        raise TypeError("Money must not be a float; pass a string or a Decimal.")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"Not a decimal amount: {value!r}") from None


def parse_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def parse_datetime(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    text = str(value)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    return datetime.fromisoformat(text)


def parse_decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    return to_decimal(value)


@dataclass(frozen=True)
class Model:
    """Base of every model: `from_api(dict)` converts by annotation; unknown members go to `extra`.

    A `Money` field is read from a nested `{"amount", "currency"}` object, or from a plain amount
    string plus the currency member named by `currency_field` (default "currency").
    """

    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False, kw_only=True)

    currency_field: ClassVar[str] = "currency"

    @classmethod
    def from_api(cls: type[M], data: typing.Mapping[str, Any]) -> M:
        hints = _hints(cls)
        known: dict[str, Any] = {}
        names = {f.name for f in dataclasses.fields(cls) if f.name != "extra"}
        for name in names:
            if name in data:
                known[name] = _convert(hints[name], data[name], data, cls)
        extra = {key: value for key, value in data.items() if key not in names}
        return cls(**known, extra=extra)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _convert(hint: Any, value: Any, data: typing.Mapping[str, Any], cls: type) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    args = [arg for arg in typing.get_args(hint) if arg is not type(None)]
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)) and args:
        return _convert(args[0], value, data, cls)
    if origin is list and args:
        return [_convert(args[0], item, data, cls) for item in value]
    if hint is Money:
        if isinstance(value, dict):
            return Money(to_decimal(value["amount"]), str(value["currency"]))
        return Money(to_decimal(value), str(data.get(cls.currency_field, "")))
    if hint is Decimal:
        return parse_decimal(value)
    if hint is datetime:
        return parse_datetime(value)
    if hint is date:
        return parse_date(value)
    if isinstance(hint, type) and issubclass(hint, Model) and isinstance(value, dict):
        return hint.from_api(value)
    return value


@dataclass(frozen=True)
class Evidence(Model):
    """A file attached to a case (proof of delivery, BOL, carrier tracking ...)."""

    id: str | None = None
    kind: str | None = None
    name: str | None = None
    content_type: str | None = None
    size: int | None = None
    sha256: str | None = None
    note: str | None = None
    uploaded_at: datetime | None = None


@dataclass(frozen=True)
class Approval(Model):
    round: int | None = None
    level: str | None = None
    decision: str | None = None
    approver: str | None = None
    comment: str | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class Chargeback(Model):
    """A deduction. List items carry the first block of fields; `chargebacks.get()` fills the rest."""

    id: int | None = None
    amazon_id: str | None = None
    account: int | None = None
    marketplace: str | None = None
    family: str | None = None
    type: str | None = None
    sub_type: str | None = None
    amount: Money | None = None
    quantity: int | None = None
    issue_date: date | None = None
    po_number: str | None = None
    asin: str | None = None
    invoice_number: str | None = None
    amazon_status: str | None = None
    state: str | None = None
    assignee: str | None = None
    due_date: date | None = None
    recommendation: str | None = None
    recovered: Money | None = None
    updated_at: datetime | None = None
    # Detail only
    description: str | None = None
    amazon_dispute_id: str | None = None
    disputable_from: date | None = None
    target_date: date | None = None
    workflow_version: int | None = None
    dispute_round: int | None = None
    filed_case_id: str | None = None
    filed_on: date | None = None
    amazon_approved: Money | None = None
    written_off: Money | None = None
    resolution_reason: str | None = None
    verdict: dict[str, Any] | None = None
    evidence: list[Evidence] | None = None
    approvals: list[Approval] | None = None
    available_transitions: list[str] | None = None


@dataclass(frozen=True)
class TimelineEntry(Model):
    when: datetime | None = None
    who: str | None = None
    why: str | None = None
    kind: str | None = None
    changes: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class ChargebackStatus(Model):
    id: int | None = None
    state: str | None = None
    amazon_status: str | None = None
    due_date: date | None = None
    recovered: Money | None = None
    workflow_version: int | None = None
    timeline: list[TimelineEntry] = field(default_factory=list)


@dataclass(frozen=True)
class Event(Model):
    """One row of the event feed (the same events webhooks deliver)."""

    id: int | None = None
    name: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    payload: dict[str, Any] | None = None
    created_at: datetime | None = None
