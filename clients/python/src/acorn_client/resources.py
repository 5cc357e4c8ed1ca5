"""One class per API area; each method is one endpoint. Reached as attributes of `Client`."""

from __future__ import annotations

from collections.abc import Iterator
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
        opened = None
        if isinstance(file, (str, Path)):
            opened = handle = open(file, "rb")  # noqa: SIM115 - closed below
            filename = filename or Path(file).name
        else:
            handle = file
            filename = filename or Path(getattr(file, "name", "upload")).name
        try:
            data = self._http.post_json(
                f"chargebacks/{int(chargeback_id)}/evidence/",
                data={"kind": kind, "note": note},
                files={"file": (filename, handle, content_type)},
                idempotency_key=idempotency_key,
            )
        finally:
            if opened is not None:
                opened.close()
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


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, models.Money):
        return value.to_api()
    if value.__class__.__name__ == "Decimal":
        return str(value)
    return value
