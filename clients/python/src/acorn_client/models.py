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
    position: int | None = None  # the event's place in the feed: what `after` and `last_id` count
    type: str | None = None
    organization: str | None = None
    object: dict[str, Any] | None = None  # {"type": "refunds.chargeback", "id": "981"}
    data: dict[str, Any] | None = None
    created_at: datetime | None = None
    # Deprecated aliases the server still sends (until v2): type, object.type, object.id, data.
    name: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    payload: dict[str, Any] | None = None


# Documents ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurchaseOrderItem(Model):
    item_sequence_number: str | None = None
    asin: str | None = None
    vendor_sku: str | None = None
    ordered_quantity: int | None = None
    ordered_unit: str | None = None
    unit_size: int | None = None
    accepted_quantity: int | None = None
    net_cost: Money | None = None
    currency: str | None = None
    receive_status: str | None = None
    received_quantity: int | None = None
    last_received_at: datetime | None = None


@dataclass(frozen=True)
class PurchaseOrder(Model):
    id: int | None = None
    account: int | None = None
    number: str | None = None
    state: str | None = None
    order_type: str | None = None
    ordered_at: datetime | None = None
    ship_window_start: datetime | None = None
    ship_window_end: datetime | None = None
    delivery_window_start: datetime | None = None
    delivery_window_end: datetime | None = None
    selling_party: str | None = None
    ship_to_party: str | None = None
    updated_at: datetime | None = None
    items: list[PurchaseOrderItem] | None = None


@dataclass(frozen=True)
class Receipt(PurchaseOrderItem):
    """Amazon's receiving status of one purchase-order line."""

    id: int | None = None
    account: int | None = None
    po_number: str | None = None


@dataclass(frozen=True)
class ShipmentItem(Model):
    item_sequence_number: str | None = None
    shipped_quantity: int | None = None
    po_number: str | None = None
    asin: str | None = None
    vendor_sku: str | None = None
    unit: str | None = None
    unit_size: int | None = None


@dataclass(frozen=True)
class Carton(Model):
    sequence_number: int | None = None
    identifier_type: str | None = None
    identifier: str | None = None
    tracking_number: str | None = None
    contents: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class Shipment(Model):
    """A shipment (ASN). Read from the API, or built by an ERP and sent with `documents.shipments.upsert`."""

    shipment_id: str | None = None
    id: int | None = None
    account: int | None = None
    shipment_type: str | None = None
    status: str | None = None
    amazon_reference_number: str | None = None
    bill_of_lading: str | None = None
    pro_number: str | None = None
    carrier_scac: str | None = None
    carrier_name: str | None = None
    ship_from_party: str | None = None
    ship_to_party: str | None = None
    asn_sent_at: datetime | None = None
    shipped_at: datetime | None = None
    estimated_delivery_at: datetime | None = None
    delivered_at: datetime | None = None
    carton_count: int | None = None
    pallet_count: int | None = None
    updated_at: datetime | None = None
    items: list[ShipmentItem] | None = None
    cartons: list[Carton] | None = None

    read_only: ClassVar[tuple[str, ...]] = ("id", "account", "updated_at")


@dataclass(frozen=True)
class InvoiceLine(Model):
    line_number: int | None = None
    quantity: int | None = None
    unit_cost: Money | None = None
    amount: Money | None = None
    currency: str | None = None
    po_number: str | None = None
    asin: str | None = None
    vendor_sku: str | None = None


@dataclass(frozen=True)
class Invoice(Model):
    """An invoice to Amazon. Read from the API, or pushed by an ERP with `documents.invoices.upsert`."""

    number: str | None = None
    id: int | None = None
    account: int | None = None
    root_number: str | None = None
    invoice_type: str | None = None
    direction: str | None = None
    invoice_date: date | None = None
    due_date: date | None = None
    po_number: str | None = None
    amount: Money | None = None
    currency: str | None = None
    status: str | None = None
    updated_at: datetime | None = None
    lines: list[InvoiceLine] | None = None

    read_only: ClassVar[tuple[str, ...]] = ("id", "account", "updated_at", "root_number", "direction")


@dataclass(frozen=True)
class ProofOfDelivery(Model):
    """Delivery date and bill of lading of a shipment ACORN already has."""

    shipment_id: str | None = None
    delivered_at: datetime | None = None
    bill_of_lading: str | None = None
    pro_number: str | None = None
    carrier_scac: str | None = None
    carrier_name: str | None = None


@dataclass(frozen=True)
class RemittanceLine(Model):
    line_number: int | None = None
    invoice_number: str | None = None
    invoice_date: date | None = None
    description: str | None = None
    amount: Money | None = None
    discount: Money | None = None
    currency: str | None = None


@dataclass(frozen=True)
class Remittance(Model):
    id: int | None = None
    account: int | None = None
    payment_number: str | None = None
    payment_date: date | None = None
    amount: Money | None = None
    currency: str | None = None
    payment_method: str | None = None
    updated_at: datetime | None = None
    lines: list[RemittanceLine] | None = None


@dataclass(frozen=True)
class BulkItemError(Model):
    field: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class BulkItemResult(Model):
    """The outcome of one item of a bulk upsert; `index` is its position in what you sent."""

    index: int | None = None
    key: str | None = None
    status: str | None = None  # created, updated, unchanged or rejected
    errors: list[BulkItemError] = field(default_factory=list)


@dataclass(frozen=True)
class BulkResult(Model):
    """Outcomes of a bulk upsert (all chunks together when the client split a long list)."""

    counts: dict[str, int] = field(default_factory=dict)
    items: list[BulkItemResult] = field(default_factory=list)

    @property
    def rejected(self) -> list[BulkItemResult]:
        return [item for item in self.items if item.status == "rejected"]

    @property
    def ok(self) -> bool:
        return not self.rejected


# Imports and sync -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportRowError(Model):
    """A row of a report file that could not be imported, and why."""

    row: int | None = None
    column: str | None = None
    value: Any = None
    why: str | None = None
    sheet: str | None = None


@dataclass(frozen=True)
class Import(Model):
    """A report file import and its result."""

    id: int | None = None
    account: int | None = None
    kind: str | None = None
    original_name: str | None = None
    size: int | None = None
    sha256: str | None = None
    partial: bool | None = None
    status: str | None = None
    message: str | None = None
    rows: int | None = None
    created: int | None = None
    updated: int | None = None
    unchanged: int | None = None
    rejected: int | None = None
    counts: dict[str, Any] | None = None
    error_count: int | None = None
    duplicate_of: int | None = None
    created_at: datetime | None = None
    finished_at: datetime | None = None
    errors: list[ImportRowError] | None = None
    progress: dict[str, Any] | None = None  # {"rows_done": int, "rows_total": int | None}

    @property
    def finished(self) -> bool:
        """False while the server's task cluster has it queued or is importing it."""
        return self.status not in ("queued", "processing")


@dataclass(frozen=True)
class SyncRun(Model):
    id: int | None = None
    account: int | None = None
    data_source: int | None = None
    source_kind: str | None = None
    status: str | None = None
    trigger: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    pages: int | None = None
    counts: dict[str, Any] | None = None
    errors: Any = None


# Webhooks -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookEndpoint(Model):
    """A webhook subscription. `secret` is set only in the answer to create (and rotate)."""

    id: int | None = None
    url: str | None = None
    description: str | None = None
    events: list[str] | None = None
    is_enabled: bool | None = None
    disabled_reason: str | None = None
    disabled_at: datetime | None = None
    consecutive_failures: int | None = None
    last_success_at: datetime | None = None
    created_at: datetime | None = None
    secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class WebhookDelivery(Model):
    """One event sent (or being sent) to one endpoint, with its last attempt."""

    id: int | None = None
    event: int | None = None
    event_type: str | None = None
    body: dict[str, Any] | None = None  # the event as sent: the same envelope the feed and the receiver see
    event_name: str | None = None  # deprecated alias of event_type
    status: str | None = None
    attempts: int | None = None
    next_attempt_at: datetime | None = None
    give_up_at: datetime | None = None
    last_attempt_at: datetime | None = None
    response_status: int | None = None
    response_body: str | None = None
    error: str | None = None
    duration_ms: int | None = None
    request_id: str | None = None
    created_at: datetime | None = None
    delivered_at: datetime | None = None


# Ledger ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JournalLine(Model):
    """One journal line: a debit or a credit (the other is zero) on your GL account, in one currency."""

    line_key: str | None = None
    entry: str | None = None
    kind: str | None = None
    posting_date: date | None = None
    account: str | None = None
    account_role: str | None = None
    debit: Money | None = None
    credit: Money | None = None
    currency: str | None = None
    chargeback_id: int | None = None
    amazon_id: str | None = None
    vendor_account_id: int | None = None
    memo: str | None = None


@dataclass(frozen=True)
class LedgerExport(Model):
    """An export: an id, its period, totals per currency, and (when fetched with lines) its first page."""

    id: int | None = None
    period_from: date | None = None
    period_to: date | None = None
    created_at: datetime | None = None
    line_count: int | None = None
    complete: bool | None = None
    totals: dict[str, dict[str, str]] = field(default_factory=dict)
    acknowledged_at: datetime | None = None  # None while pending: every export() of the period returns it again

    def total(self, currency: str) -> tuple[Money, Money]:
        """(debit, credit) of `currency`; equal in a balanced export."""
        pair = self.totals.get(currency, {})
        return Money(to_decimal(pair.get("debit", "0")), currency), Money(to_decimal(pair.get("credit", "0")), currency)


def to_api(value: Any) -> Any:
    """A model (or dict, list, Decimal, date ...) as the JSON the API takes: no None, no read-only fields."""
    if isinstance(value, Money):
        return str(value.amount)  # inputs take the bare amount beside their own currency field
    if isinstance(value, Model):
        skip = set(getattr(value, "read_only", ())) | {"extra"}
        out = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if f.name in skip or item is None:
                continue
            out[f.name] = to_api(item)
        return out
    if isinstance(value, dict):
        return {key: to_api(item) for key, item in value.items() if item is not None}
    if isinstance(value, (list, tuple)):
        return [to_api(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, float):
        raise TypeError("Money and quantities must not be floats; use Decimal or str.")
    return value
