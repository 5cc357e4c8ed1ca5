"""One class per API area; each method is one endpoint. Reached as attributes of `Client`."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from . import models
from ._transport import Transport
from .pagination import Paginator


class Resource:
    def __init__(self, transport: Transport):
        self._http = transport


class Chargebacks(Resource):
    """`/chargebacks/`: deductions, their status and timeline, transitions, evidence."""

    def list(self, **filters: Any) -> Paginator[models.Chargeback]:
        """Every deduction matching `filters`, across pages, fetched lazily as you iterate.

        Filters are the API's query parameters: account, marketplace, family, type, state (a list
        for several), assignee, po, asin, invoice, issue_date_from/to, due_date_from/to (dates),
        amount_min/max (Decimal or str), currency, recommendation, q, ordering, page_size.
        """
        return Paginator(self._http, "chargebacks/", models.Chargeback.from_api, filters)

    def get(self, chargeback_id: int) -> models.Chargeback:
        """One deduction with its verdict, evidence, approvals and the transitions the key may run."""
        return models.Chargeback.from_api(self._http.get_json(f"chargebacks/{int(chargeback_id)}/"))

    def status(self, chargeback_id: int) -> models.ChargebackStatus:
        """State, Amazon's status, due date, recovered amount and the timeline of every change."""
        return models.ChargebackStatus.from_api(self._http.get_json(f"chargebacks/{int(chargeback_id)}/status/"))

    def transition(
        self,
        chargeback_id: int,
        name: str,
        *,
        workflow_version: int | None = None,
        idempotency_key: str | None = None,
        **fields: Any,
    ) -> models.Chargeback:
        """Run a workflow transition (`start_review`, `submit_for_approval`, `file_dispute` ...).

        Pass the `workflow_version` you read to get a ConflictError if someone changed the case
        since. Other keyword arguments are the transition's inputs (note, reason, comment,
        amazon_case_id, filed_on, amount, reference, recovered_on).
        """
        body = {key: _jsonable(value) for key, value in fields.items() if value is not None}
        if workflow_version is not None:
            body["workflow_version"] = workflow_version
        data = self._http.post_json(
            f"chargebacks/{int(chargeback_id)}/transitions/{name}/", json=body, idempotency_key=idempotency_key
        )
        return models.Chargeback.from_api(data)

    def evidence(self, chargeback_id: int) -> list[models.Evidence]:
        items = self._http.get_json(f"chargebacks/{int(chargeback_id)}/evidence/")
        return [models.Evidence.from_api(item) for item in items]

    def upload_evidence(
        self,
        chargeback_id: int,
        *,
        kind: str,
        file: str | Path | IO[bytes],
        filename: str | None = None,
        content_type: str = "application/octet-stream",
        note: str = "",
        idempotency_key: str | None = None,
    ) -> models.Evidence:
        """Attach a file (a path or an open binary file) as evidence of `kind` (e.g. "pod")."""
        with _opened(file, filename) as (handle, name):
            data = self._http.post_json(
                f"chargebacks/{int(chargeback_id)}/evidence/",
                data={"kind": kind, "note": note},
                files={"file": (name, handle, content_type)},
                idempotency_key=idempotency_key,
            )
        return models.Evidence.from_api(data)


class Events(Resource):
    """`/events/`: the event feed, for clients that poll instead of receiving webhooks."""

    def page(self, *, after: int = 0, limit: int = 100) -> tuple[list[models.Event], int, bool]:
        """One batch: (events with id > after, the last id to resume from, whether more are waiting)."""
        body = self._http.get_json("events/", params={"after": after, "limit": limit})
        events = [models.Event.from_api(item) for item in body.get("results", [])]
        return events, int(body.get("last_id") or after), bool(body.get("has_more"))

    def iter(self, *, after: int = 0, limit: int = 100) -> EventFeed:
        """Every event after `after`, batch by batch, until the feed is drained (lazily)."""
        return EventFeed(self, after=after, limit=limit)


class EventFeed:
    """Iterates the event feed; `last_id` is the position to store (it moves as you consume events)."""

    def __init__(self, events: Events, *, after: int, limit: int):
        self._events = events
        self.last_id = after
        self._limit = limit

    def __iter__(self) -> Iterator[models.Event]:
        while True:
            batch, last_id, has_more = self._events.page(after=self.last_id, limit=self._limit)
            for event in batch:
                yield event
                self.last_id = event.id if event.id is not None else self.last_id
            self.last_id = max(self.last_id, last_id)
            if not has_more or not batch:
                return


class _DocumentList(Resource):
    path = ""
    model: type[models.Model] = models.Model

    def list(self, **filters: Any) -> Paginator[Any]:
        """Every document matching `filters` (account, updated_since, ordering, page_size, ...), lazily."""
        return Paginator(self._http, self.path, self.model.from_api, filters)


class _Document(_DocumentList):
    def get(self, document_id: int) -> Any:
        return self.model.from_api(self._http.get_json(f"{self.path}{int(document_id)}/"))


class _BulkUpsert:
    """`upsert(account, items)`: POST `<path>bulk/` in chunks of at most `chunk_size` items."""

    chunk_size = 500
    _http: Transport
    path = ""

    def upsert(self, account: int, items: Iterable[Any], *, chunk_size: int | None = None) -> models.BulkResult:
        """Create or update by natural key; returns every item's outcome (rejected items carry errors).

        Items are models or plain dicts. A list longer than the API's limit is sent in several
        requests (each with its own Idempotency-Key); the result's indexes stay those of `items`.
        Re-sending the same items is harmless: they come back "unchanged".
        """
        size = chunk_size or self.chunk_size
        payload = [models.to_api(item) for item in items]
        if not payload:
            raise ValueError("Give at least one item.")
        counts: dict[str, int] = {}
        outcomes: list[models.BulkItemResult] = []
        for start in range(0, len(payload), size):
            chunk_items = payload[start : start + size]
            body = self._http.post_json(f"{self.path}bulk/", json={"account": account, "items": chunk_items})
            chunk = models.BulkResult.from_api(body)
            for name, count in chunk.counts.items():
                counts[name] = counts.get(name, 0) + count
            outcomes.extend(dataclasses.replace(item, index=(item.index or 0) + start) for item in chunk.items)
        return models.BulkResult(counts=counts, items=outcomes)


class PurchaseOrders(_Document):
    path = "documents/purchase-orders/"
    model = models.PurchaseOrder


class Receipts(_DocumentList):
    path = "documents/receipts/"
    model = models.Receipt


class Shipments(_BulkUpsert, _Document):
    path = "documents/shipments/"
    model = models.Shipment


class Invoices(_BulkUpsert, _Document):
    path = "documents/invoices/"
    model = models.Invoice


class ProofsOfDelivery(_BulkUpsert, Resource):
    path = "documents/proofs-of-delivery/"


class Remittances(_Document):
    path = "documents/remittances/"
    model = models.Remittance


class Documents:
    """`/documents/...`: read what ACORN has; push what only the ERP has (shipments, invoices, PODs)."""

    def __init__(self, transport: Transport):
        self.purchase_orders = PurchaseOrders(transport)
        self.receipts = Receipts(transport)
        self.shipments = Shipments(transport)
        self.invoices = Invoices(transport)
        self.proofs_of_delivery = ProofsOfDelivery(transport)
        self.remittances = Remittances(transport)


class Imports(Resource):
    """`/imports/`: upload a Vendor Central report file and read its result."""

    def list(self, **params: Any) -> Paginator[models.Import]:
        return Paginator(self._http, "imports/", models.Import.from_api, params)

    def get(self, import_id: int) -> models.Import:
        return models.Import.from_api(self._http.get_json(f"imports/{int(import_id)}/"))

    def upload(
        self,
        *,
        account: int,
        kind: str,
        file: str | Path | IO[bytes],
        filename: str | None = None,
        partial: bool = False,
        idempotency_key: str | None = None,
    ) -> models.Import:
        """Upload a CSV/XLSX report; the answer is the finished import with its row errors."""
        with _opened(file, filename) as (handle, name):
            data = self._http.post_json(
                "imports/",
                data={"account": str(account), "kind": kind, "partial": "true" if partial else "false"},
                files={"file": (name, handle, "application/octet-stream")},
                idempotency_key=idempotency_key,
            )
        return models.Import.from_api(data)


class SyncRuns(Resource):
    """`/sync-runs/`: sync history, and starting a sync of an account."""

    def list(self, **params: Any) -> Paginator[models.SyncRun]:
        return Paginator(self._http, "sync-runs/", models.SyncRun.from_api, params)

    def get(self, run_id: int) -> models.SyncRun:
        return models.SyncRun.from_api(self._http.get_json(f"sync-runs/{int(run_id)}/"))

    def trigger(self, account: int, *, idempotency_key: str | None = None) -> dict[str, Any]:
        """Queue a sync of `account` (202); ConflictError while one is already running."""
        return self._http.post_json("sync-runs/", json={"account": account}, idempotency_key=idempotency_key)


@contextlib.contextmanager
def _opened(file: str | Path | IO[bytes], filename: str | None):
    if isinstance(file, (str, Path)):
        with open(file, "rb") as handle:
            yield handle, filename or Path(file).name
    else:
        yield file, filename or Path(getattr(file, "name", "upload")).name


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, models.Money):
        return value.to_api()
    if value.__class__.__name__ == "Decimal":
        return str(value)
    return value
