"""What every connector is: fetch pages of one document kind for an account since a checkpoint.

Connectors do HTTP and parsing only, never the ORM (docs/ARCHITECTURE.md): they are handed plain
data (the account as an `AccountInfo`, the data source's settings and decrypted credentials) and
yield `Page`s of the record dataclasses `refunds.services.records` defines, each with the checkpoint
to store once that page is committed. `datasources.services.sync` does the claiming, upserting,
checkpointing and run logging.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import ClassVar


class DocumentKind:
    """Document kinds a connector can fetch; the names are those of `IngestResult.kind`."""

    PURCHASE_ORDERS = "purchase_orders"
    SHIPMENTS = "shipments"
    INVOICES = "invoices"
    REMITTANCES = "remittances"
    CHARGEBACKS = "chargebacks"
    # Deductions last: by then the documents they are matched against are in.
    ALL = (PURCHASE_ORDERS, SHIPMENTS, INVOICES, REMITTANCES, CHARGEBACKS)


# The natural key attribute of each kind's record (the ingest upsert key).
RECORD_KEYS = {
    DocumentKind.PURCHASE_ORDERS: "number",
    DocumentKind.SHIPMENTS: "shipment_id",
    DocumentKind.INVOICES: "number",
    DocumentKind.REMITTANCES: "payment_number",
    DocumentKind.CHARGEBACKS: "amazon_id",
}


class ConnectorError(Exception):
    """A fetch failed. `permanent` says whether retrying later can help.

    Permanent: bad credentials, a refused request, a payload we cannot parse at all. Transient:
    throttling, server errors, timeouts that outlasted the retries; the next run resumes from the
    checkpoint. `request_id` is the remote side's id of the failing call, when it gave one.
    """

    def __init__(self, message: str, *, permanent: bool = False, request_id: str = "", status: int | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.request_id = request_id
        self.status = status


@dataclass(frozen=True)
class AccountInfo:
    """What a connector knows of the vendor account: plain values, no model instance."""

    key: str
    marketplace: str
    marketplace_id: str
    region: str
    currency: str
    time_zone: str
    vendor_codes: tuple[str, ...] = ()


@dataclass
class Page:
    """Records of one fetched page and the checkpoint to save once they are committed."""

    kind: str
    records: list
    checkpoint: dict
    problems: list[str] = field(default_factory=list)  # items that could not be read: counted as rejected


@dataclass
class RequestLogEntry:
    """One HTTP call: which operation, how it ended, and the remote side's request id."""

    operation: str
    status: int | None
    request_id: str
    attempt: int
    elapsed_ms: int
    error: str = ""

    def as_dict(self) -> dict:
        return {
            "operation": self.operation,
            "status": self.status,
            "request_id": self.request_id,
            "attempt": self.attempt,
            "elapsed_ms": self.elapsed_ms,
            "error": self.error,
        }


class RequestLog:
    """Every call a connector made, drained by the sync run into its log after each page."""

    def __init__(self):
        self._entries: list[RequestLogEntry] = []

    def add(self, entry: RequestLogEntry) -> None:
        self._entries.append(entry)

    def drain(self) -> list[RequestLogEntry]:
        entries, self._entries = self._entries, []
        return entries


class Connector(ABC):
    """Fetch pages of one document kind for an account since a checkpoint.

    Subclasses set `kinds` (the document kinds they serve) and implement `fetch`, `fetch_records`
    (re-read given natural keys, for `verify_source`) and `test_connection`.
    """

    kinds: ClassVar[tuple[str, ...]] = ()
    label: ClassVar[str] = ""

    def __init__(self, *, account: AccountInfo, settings: dict, credentials: dict, log: RequestLog | None = None):
        self.account = account
        self.settings = settings or {}
        self.credentials = credentials or {}
        self.log = log or RequestLog()

    @abstractmethod
    def fetch(self, kind: str, checkpoint: dict | None) -> Iterator[Page]:
        """Pages of `kind` after `checkpoint` (None: from the configured start), oldest first."""

    @abstractmethod
    def fetch_records(self, kind: str, keys: Iterable[str]) -> dict[str, object]:
        """The current records of the given natural keys (missing keys are left out)."""

    @abstractmethod
    def test_connection(self) -> str:
        """One cheap authenticated call; a sentence saying what worked, or ConnectorError."""

    def check_kind(self, kind: str) -> None:
        if kind not in self.kinds:
            raise ConnectorError(f"{type(self).__name__} does not fetch {kind!r}.", permanent=True)
