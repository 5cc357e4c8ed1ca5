"""One class per API area; each method is one endpoint. Reached as attributes of `Client`."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Iterable, Iterator
from datetime import date
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
        """One batch: (events after feed position `after`, the position to resume from, whether more wait)."""
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
                self.last_id = event.position if event.position is not None else event.id  # servers before positions
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
        wait: bool = True,
        poll_every: float = 2.0,
        timeout: float | None = 3600.0,
    ) -> models.Import:
        """Upload a CSV/XLSX report. The server answers 202 with the queued import at once and imports it
        in its task cluster; with `wait` (the default) this polls until it is finished and returns the
        result with its row errors (`wait_for` does the same for an import id)."""
        with _opened(file, filename) as (handle, name):
            data = self._http.post_json(
                "imports/",
                data={"account": str(account), "kind": kind, "partial": "true" if partial else "false"},
                files={"file": (name, handle, "application/octet-stream")},
                idempotency_key=idempotency_key,
            )
        queued = models.Import.from_api(data)
        if not wait or queued.finished:
            return queued
        return self.wait_for(int(queued.id), poll_every=poll_every, timeout=timeout)

    def wait_for(self, import_id: int, *, poll_every: float = 2.0, timeout: float | None = 3600.0) -> models.Import:
        """Poll an import until it is finished (imported, partial, failed or rejected); TimeoutError after `timeout`."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            current = self.get(import_id)
            if current.finished:
                return current
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"import {import_id} still {current.status} after {timeout:.0f} s")
            self._http.sleep(poll_every)


class SyncRuns(Resource):
    """`/sync-runs/`: sync history, and starting a sync of an account."""

    def list(self, **params: Any) -> Paginator[models.SyncRun]:
        return Paginator(self._http, "sync-runs/", models.SyncRun.from_api, params)

    def get(self, run_id: int) -> models.SyncRun:
        return models.SyncRun.from_api(self._http.get_json(f"sync-runs/{int(run_id)}/"))

    def trigger(self, account: int, *, idempotency_key: str | None = None) -> dict[str, Any]:
        """Queue a sync of `account` (202); ConflictError while one is already running."""
        return self._http.post_json("sync-runs/", json={"account": account}, idempotency_key=idempotency_key)


class Webhooks(Resource):
    """`/webhooks/`: subscriptions, their delivery log, redelivery and secret rotation."""

    def list(self) -> Paginator[models.WebhookEndpoint]:
        return Paginator(self._http, "webhooks/", models.WebhookEndpoint.from_api)

    def create(
        self, url: str, events: Iterable[str], *, description: str = "", idempotency_key: str | None = None
    ) -> models.WebhookEndpoint:
        """Subscribe `url` to `events`; keep the returned `.secret` to verify signatures (shown once)."""
        body = {"url": url, "events": list(events), "description": description}
        return models.WebhookEndpoint.from_api(
            self._http.post_json("webhooks/", json=body, idempotency_key=idempotency_key)
        )

    def get(self, endpoint_id: int) -> models.WebhookEndpoint:
        return models.WebhookEndpoint.from_api(self._http.get_json(f"webhooks/{int(endpoint_id)}/"))

    def update(self, endpoint_id: int, **changes: Any) -> models.WebhookEndpoint:
        """Change url, description, events, or is_enabled (False disables, True enables again)."""
        response = self._http.request("PATCH", f"webhooks/{int(endpoint_id)}/", json=changes)
        return models.WebhookEndpoint.from_api(response.json())

    def delete(self, endpoint_id: int) -> None:
        self._http.request("DELETE", f"webhooks/{int(endpoint_id)}/")

    def rotate_secret(self, endpoint_id: int) -> str:
        return self._http.post_json(f"webhooks/{int(endpoint_id)}/rotate-secret/")["secret"]

    def deliveries(self, endpoint_id: int) -> Paginator[models.WebhookDelivery]:
        return Paginator(self._http, f"webhooks/{int(endpoint_id)}/deliveries/", models.WebhookDelivery.from_api)

    def delivery(self, endpoint_id: int, delivery_id: int) -> models.WebhookDelivery:
        path = f"webhooks/{int(endpoint_id)}/deliveries/{int(delivery_id)}/"
        return models.WebhookDelivery.from_api(self._http.get_json(path))

    def ping(self, endpoint_id: int) -> models.WebhookDelivery:
        """Queue a signed test event (type `ping`) for this endpoint; follow it in `deliveries()`."""
        return models.WebhookDelivery.from_api(self._http.post_json(f"webhooks/{int(endpoint_id)}/ping/"))

    def redeliver(self, endpoint_id: int, delivery_id: int) -> models.WebhookDelivery:
        path = f"webhooks/{int(endpoint_id)}/deliveries/{int(delivery_id)}/redeliver/"
        return models.WebhookDelivery.from_api(self._http.post_json(path))


class LedgerBatch:
    """One export and its lines, fetched page by page as you iterate (`export` is known at once)."""

    def __init__(self, transport: Transport, body: dict[str, Any]):
        self._http = transport
        self._first = body
        self.export = models.LedgerExport.from_api(body)

    def pages(self) -> Iterator[list[models.JournalLine]]:
        body: dict[str, Any] | None = self._first
        while body is not None:
            yield [models.JournalLine.from_api(line) for line in body.get("results", [])]
            body = self._http.get_json(body["next"]) if body.get("next") else None

    def __iter__(self) -> Iterator[models.JournalLine]:
        for page in self.pages():
            yield from page


class Ledger(Resource):
    """`/ledger/`: journal lines for your ERP; reading never consumes, acknowledging does.

    `export(start, end)` returns the period's pending export (made earlier, not acknowledged yet),
    else a NEW export of lines never exported. Until you `acknowledge(export.id)`, every call
    returns the same export again, so a crash or a lost response never loses lines: write them,
    then acknowledge. `exports(acknowledged=False)` lists pending exports of any period and
    `get_export(id)` returns one again, exactly as it was sent.
    """

    def export(self, start: date | str, end: date | str, *, page_size: int | None = None) -> LedgerBatch | None:
        """The period's pending export, else the next new one (None when nothing is new). Check `.export.complete`."""
        body = self._http.get_json("ledger/", params={"from": start, "to": end, "page_size": page_size})
        if body.get("id") is None:
            return None
        return LedgerBatch(self._http, body)

    def acknowledge(self, *export_ids: int) -> list[models.LedgerExport]:
        """Tell ACORN these exports are stored on your side (idempotent); the next export() moves on."""
        body = self._http.post_json("ledger/ack/", json={"export_ids": [int(pk) for pk in export_ids]})
        return [models.LedgerExport.from_api(item) for item in body["acknowledged"]]

    def new_lines(self, start: date | str, end: date | str) -> Iterator[tuple[models.LedgerExport, models.JournalLine]]:
        """Every line not acknowledged yet, export after export until the period is drained (lazily).

        An export is acknowledged once you ask for the line after its last one: stop early (or crash)
        and its lines come again next time.
        """
        while True:
            batch = self.export(start, end)
            if batch is None:
                return
            for line in batch:
                yield batch.export, line
            self.acknowledge(batch.export.id)
            if batch.export.complete:
                return

    def exports(self, *, acknowledged: bool | None = None) -> Paginator[models.LedgerExport]:
        """Past exports, newest first (`acknowledged=False`: only the pending ones)."""
        params = None if acknowledged is None else {"acknowledged": "true" if acknowledged else "false"}
        return Paginator(self._http, "ledger/exports/", models.LedgerExport.from_api, params)

    def get_export(self, export_id: int, *, page_size: int | None = None) -> LedgerBatch:
        """An earlier export again, exactly as it was first sent (to recover after a crash)."""
        body = self._http.get_json(f"ledger/exports/{int(export_id)}/", params={"page_size": page_size})
        return LedgerBatch(self._http, body)

    def export_csv(self, export_id: int) -> str:
        """An export as CSV text (the same lines, with the export id in the first column)."""
        response = self._http.request("GET", f"ledger/exports/{int(export_id)}/", headers={"Accept": "text/csv"})
        response.encoding = "utf-8"
        return response.text


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
