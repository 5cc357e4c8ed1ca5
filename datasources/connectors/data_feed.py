"""Third-party data feed: a generic HTTP JSON connector for services that read Vendor Central for the vendor.

Such services deliver what SP-API does not (docs/AMAZON.md, § spapi): deductions with their dispute
status, invoices with their lines, remittances. Every service names things its own way, so each
data source maps them in its settings; the defaults below fit the simulator's feed.

Settings: `base_url`; `api_key_header` (default `X-Api-Key`); `items_key` (`data`),
`next_cursor_key` (`next_cursor`), `cursor_param` (`cursor`), `limit_param` (`limit`), `page_size`;
`lookup_param` (`ids`: comma separated natural keys, for `verify_source`); `since_param` (if the
service can filter on a change date: later passes ask only for what changed since the last one;
without it every pass re-reads everything, which the idempotent upserts absorb); and `kinds`,
per document kind `{"path": ..., "fields": {record field: source path}, "lines": {"source": ...,
"fields": {...}}}`. Source paths may be dotted (`total.amount`). Dispute statuses arrive on the
deductions (`amazon_status`, `amazon_dispute_id`). Credentials: `api_key`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import ClassVar

from django.utils.translation import gettext_lazy as _

from acorn_portal import clock
from datasources.connectors import register_connector
from datasources.connectors.base import RECORD_KEYS, Connector, ConnectorError, DocumentKind, Page
from datasources.connectors.http import HttpClient, RetryPolicy
from datasources.connectors.spapi_parse import parse_datetime
from refunds.services.records import (
    ChargebackRecord,
    InvoiceLineRecord,
    InvoiceRecord,
    RemittanceLineRecord,
    RemittanceRecord,
)

RECORDS = {
    DocumentKind.CHARGEBACKS: (ChargebackRecord, None),
    DocumentKind.INVOICES: (InvoiceRecord, InvoiceLineRecord),
    DocumentKind.REMITTANCES: (RemittanceRecord, RemittanceLineRecord),
}

# The simulator's feed (simulator/feed.py) in these terms: a worked example of a mapping.
DEFAULT_KINDS = {
    DocumentKind.CHARGEBACKS: {
        "path": "/feed/v1/deductions",
        "fields": {
            "amazon_id": "id",
            "family": "family",
            "deduction_type": "type",
            "sub_type": "subtype",
            "amount": "amount.value",
            "currency": "amount.currency",
            "quantity": "units",
            "issue_date": "issued_on",
            "po_number": "po",
            "asin": "asin",
            "invoice_number": "invoice",
            "amazon_status": "dispute.status",
            "amazon_dispute_id": "dispute.id",
            "description": "notes",
        },
    },
    DocumentKind.INVOICES: {
        "path": "/feed/v1/invoices",
        "fields": {
            "number": "invoice_number",
            "invoice_type": "type",
            "invoice_date": "invoice_date",
            "due_date": "due_date",
            "po_number": "po",
            "amount": "total.value",
            "currency": "total.currency",
            "status": "status",
        },
        "lines": {
            "source": "lines",
            "fields": {
                "line_number": "line",
                "po_number": "po",
                "asin": "asin",
                "vendor_sku": "sku",
                "quantity": "units",
                "unit_cost": "unit_cost",
                "amount": "amount",
                "currency": "currency",
            },
        },
    },
    DocumentKind.REMITTANCES: {
        "path": "/feed/v1/remittances",
        "fields": {
            "payment_number": "payment_number",
            "payment_date": "paid_on",
            "amount": "net.value",
            "currency": "net.currency",
            "payment_method": "method",
        },
        "lines": {
            "source": "lines",
            "fields": {
                "line_number": "line",
                "invoice_number": "invoice_number",
                "invoice_date": "invoice_date",
                "description": "description",
                "amount": "amount",
                "discount": "discount",
                "currency": "currency",
            },
        },
    },
}


def dig(item: dict, path: str):
    """The value at a dotted path, or None."""
    value = item
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def convert(annotation: str, value):
    """A JSON value as the record field's type (annotations are strings: records use `__future__`)."""
    if value is None or value == "":
        return None if "None" in annotation or annotation == "str" else value
    kind = annotation.replace(" | None", "")
    if kind == "Decimal":
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise ValueError(f"{value!r} is not an amount") from None
    if kind == "datetime":
        return parse_datetime(value)
    if kind == "date":
        return date.fromisoformat(str(value)[:10])
    if kind == "int":
        return int(value)
    if kind == "str":
        return str(value)
    return value


def build_record(cls, item: dict, fields: dict[str, str], extra: dict | None = None):
    """A record dataclass from a source item through a field mapping; fields left out take defaults."""
    types = {f.name: f for f in dataclasses.fields(cls)}
    values = {}
    for name, path in fields.items():
        if name not in types:
            raise ConnectorError(f"Field mapping names {name!r}, which {cls.__name__} has not.", permanent=True)
        value = convert(str(types[name].type), dig(item, path))
        if value is None and types[name].default is not dataclasses.MISSING:
            continue
        values[name] = "" if value is None and str(types[name].type) == "str" else value
    return cls(**values, **(extra or {}))


@register_connector("data_feed")
class DataFeedConnector(Connector):
    """Deductions, invoices and remittances from a JSON API with an API key and cursor pagination.

    Checkpoint: `{"cursor"}` while a pass is under way, then `{"completed_at"}`.
    """

    kinds = (DocumentKind.INVOICES, DocumentKind.REMITTANCES, DocumentKind.CHARGEBACKS)
    label = _("Third-party data feed (JSON)")
    default_kinds: ClassVar[dict] = DEFAULT_KINDS

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if not self.credentials.get("api_key"):
            raise ConnectorError("The data feed's credentials lack api_key.", permanent=True)
        self.base_url = (self.settings.get("base_url") or "").rstrip("/")
        if not self.base_url:
            raise ConnectorError("The data feed has no base_url.", permanent=True)
        self.http = HttpClient(
            policy=RetryPolicy.from_settings(self.settings),
            log=self.log,
            rate=float(self.settings.get("rate_per_second", 10)),
            burst=float(self.settings.get("burst", 10)),
            secrets=self.credentials.values(),
        )

    def option(self, name: str, default: str) -> str:
        return self.settings.get(name) or default

    def mapping(self, kind: str) -> dict:
        return {**self.default_kinds, **(self.settings.get("kinds") or {})}[kind]

    def get(self, kind: str, params: dict) -> dict:
        headers = {self.option("api_key_header", "X-Api-Key"): self.credentials["api_key"]}
        body = self.http.call(
            f"feed:{kind}", "GET", self.base_url + self.mapping(kind)["path"], params=params, headers=headers
        )
        if not isinstance(body, dict) or not isinstance(body.get(self.option("items_key", "data")), list):
            raise ConnectorError(
                f"The feed's {kind} answer has no {self.option('items_key', 'data')!r} list.", permanent=True
            )
        return body

    def fetch(self, kind: str, checkpoint: dict | None) -> Iterator[Page]:
        self.check_kind(kind)
        checkpoint = checkpoint or {}
        started = clock.now()
        params = {self.option("limit_param", "limit"): int(self.settings.get("page_size", 100))}
        if self.settings.get("since_param") and checkpoint.get("completed_at"):
            params[self.settings["since_param"]] = checkpoint["completed_at"]
        cursor = checkpoint.get("cursor")
        while True:
            body = self.get(kind, {**params, **({self.option("cursor_param", "cursor"): cursor} if cursor else {})})
            cursor = body.get(self.option("next_cursor_key", "next_cursor"))
            records, problems = self.parse(kind, body[self.option("items_key", "data")])
            position = {"cursor": cursor} if cursor else {"completed_at": started.isoformat()}
            yield Page(kind, records, position, problems=problems)
            if not cursor:
                return

    def parse(self, kind: str, items: list) -> tuple[list, list[str]]:
        """Records, and a sentence for each item that could not be read (counted as rejected)."""
        record_cls, line_cls = RECORDS[kind]
        mapping = self.mapping(kind)
        records, problems = [], []
        for item in items:
            try:
                extra = {}
                if line_cls is not None and mapping.get("lines"):
                    lines = dig(item, mapping["lines"]["source"]) or []
                    extra["lines"] = [build_record(line_cls, line, mapping["lines"]["fields"]) for line in lines]
                records.append(build_record(record_cls, item, mapping["fields"], extra))
            except (TypeError, ValueError, AttributeError) as exc:
                key = dig(item, mapping["fields"].get(RECORD_KEYS[kind], "")) if isinstance(item, dict) else None
                problems.append(f"{key or '?'}: unreadable {kind} item: {exc}")
        return records, problems

    def fetch_records(self, kind: str, keys: Iterable[str]) -> dict[str, object]:
        self.check_kind(kind)
        keys = list(keys)
        body = self.get(kind, {self.option("lookup_param", "ids"): ",".join(keys)})
        records, _ = self.parse(kind, body[self.option("items_key", "data")])
        key_attr = RECORD_KEYS[kind]
        return {getattr(r, key_attr): r for r in records if getattr(r, key_attr) in keys}

    def test_connection(self) -> str:
        kind = self.kinds[-1]
        self.get(kind, {self.option("limit_param", "limit"): 1})
        return f"The feed at {self.base_url} accepted the API key and answered for {kind}."
