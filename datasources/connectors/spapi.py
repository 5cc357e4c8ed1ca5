"""SP-API Vendor Retail Procurement connector: purchase orders (with receiving status) and shipments.

Why plain `requests` and not python-amazon-sp-api (docs/decisions/0008-plain-requests-for-sp-api.md): the
library has no automatic retry and its documented decorator order does not retry a 429 in the middle
of pagination; it computes the Host header wrongly for `http://` endpoints (our simulator); it adds
marketplace parameters vendor operations do not take; and `SP_API_DEFAULT_MARKETPLACE` silently
overrides the marketplace passed in. What we need is four GET operations, an LWA refresh and a
retry loop, which are fewer lines than the workarounds, and are tested over HTTP against the
simulator.

Settings (per data source, all optional): `endpoint` (default: the account's regional host),
`token_url` (default Amazon's LWA), `lookback_days` (first run; default `FIRST_SYNC_LOOKBACK_DAYS`,
910: the longest dispute window, 730 days from the invoice, plus 180 days from PO to invoice), `reopen_days` (later
runs re-read POs created this long before the last run, since their receiving status keeps
changing; default 30), `page_size`, `rate_per_second`, `burst`,
`max_attempts`, `backoff_base`, `backoff_cap`, `timeout`. Credentials: `client_id`,
`client_secret`, `refresh_token`.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from acorn_portal import clock
from acorn_portal.marketplaces import SP_API_ENDPOINTS
from datasources.connectors import register_connector
from datasources.connectors.base import Connector, ConnectorError, DocumentKind, Page
from datasources.connectors.http import HttpClient, RetryPolicy
from datasources.connectors.spapi_parse import parse_order, parse_shipment

LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"  # noqa: S105 - a URL, not a secret
# A shortage claim stays disputable 730 days after its invoice, and the invoice comes months after
# its PO (order, ship, receive, invoice): a first sync must reach the POs of every open claim.
LONGEST_DISPUTE_WINDOW_DAYS = 730
PO_TO_INVOICE_MARGIN_DAYS = 180
FIRST_SYNC_LOOKBACK_DAYS = LONGEST_DISPUTE_WINDOW_DAYS + PO_TO_INVOICE_MARGIN_DAYS
MAX_WINDOW = timedelta(days=7)  # getPurchaseOrders, getPurchaseOrdersStatus: ranges of at most 7 days
TOKEN_MARGIN = 60  # seconds: refresh before Amazon's expiry, not after a 403

ORDERS_PATH = "/vendor/orders/v1/purchaseOrders"
ORDERS_STATUS_PATH = "/vendor/orders/v1/purchaseOrdersStatus"
SHIPMENTS_PATH = "/vendor/shipping/v1/shipments"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class LwaAuth:
    """Login with Amazon refresh-token flow; the access token is cached until shortly before expiry.

    The cache is per process and keyed by a hash of the refresh token, so successive runs in one
    worker reuse a token (Amazon's are valid an hour) and the token itself is never logged.
    """

    _cache: ClassVar[dict[tuple, tuple[str, float]]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, *, http: HttpClient, token_url: str, credentials: dict):
        missing = [name for name in ("client_id", "client_secret", "refresh_token") if not credentials.get(name)]
        if missing:
            raise ConnectorError(f"SP-API credentials lack {', '.join(missing)}.", permanent=True)
        self.http, self.token_url, self.credentials = http, token_url, credentials
        digest = hashlib.sha256(credentials["refresh_token"].encode()).hexdigest()
        self.key = (token_url, credentials["client_id"], digest)

    @sensitive_variables("cached", "body", "token")
    def access_token(self) -> str:
        with self._lock:
            cached = self._cache.get(self.key)
        if cached and cached[1] > time.monotonic():
            self.http.secrets.add(cached[0])
            return cached[0]
        body = self.http.call(
            "lwa_token",
            "POST",
            self.token_url,
            data={
                "grant_type": "refresh_token",
                "refresh_token": self.credentials["refresh_token"],
                "client_id": self.credentials["client_id"],
                "client_secret": self.credentials["client_secret"],
            },
        )
        token = body.get("access_token") if isinstance(body, dict) else None
        if not token:
            raise ConnectorError("LWA answered without an access_token.", permanent=True)
        self.http.secrets.add(token)  # never echoed into a log entry or an error message
        expires = time.monotonic() + max(0, int(body.get("expires_in", 3600)) - TOKEN_MARGIN)
        with self._lock:
            self._cache[self.key] = (token, expires)
        return token

    def forget(self) -> None:
        with self._lock:
            self._cache.pop(self.key, None)

    def headers(self) -> dict:
        return {"x-amz-access-token": self.access_token()}


@register_connector("spapi_vendor")
class SpApiVendorConnector(Connector):
    """Purchase orders (getPurchaseOrders + getPurchaseOrdersStatus) and shipments (GetShipmentDetails).

    Both are read in windows of at most seven days on the creation date, each window page by page
    with `nextToken`. Checkpoint: `{"window_start", "window_end", "next_token"}` while a pass is under
    way, then
    `{"completed_until"}`; the next pass starts `reopen_days` before that.
    """

    kinds = (DocumentKind.PURCHASE_ORDERS, DocumentKind.SHIPMENTS)
    label = _("Amazon SP-API (Vendor)")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        s = self.settings
        self.endpoint = (s.get("endpoint") or SP_API_ENDPOINTS.get(self.account.region, "")).rstrip("/")
        self.http = HttpClient(
            policy=RetryPolicy.from_settings(s),
            log=self.log,
            rate=float(s.get("rate_per_second", 10)),
            burst=float(s.get("burst", 10)),
            secrets=self.credentials.values(),
        )
        self.auth = LwaAuth(http=self.http, token_url=s.get("token_url") or LWA_TOKEN_URL, credentials=self.credentials)
        self.now = clock.now

    # -- HTTP ---------------------------------------------------------------------------------------

    def get(self, operation: str, path: str, params: dict) -> dict:
        """The `payload` of a GET; one fresh token and a second try when Amazon says it expired."""
        for fresh in (False, True):
            try:
                body = self.http.call(operation, "GET", self.endpoint + path, params=params, auth=self.auth.headers)
                break
            except ConnectorError as exc:
                if exc.status not in (401, 403) or fresh:
                    raise
                self.auth.forget()
        if not isinstance(body, dict) or not isinstance(body.get("payload"), dict | list):
            raise ConnectorError(f"{operation}: answer without a payload.", permanent=True)
        return body["payload"]

    # -- windows ------------------------------------------------------------------------------------

    def _start(self, checkpoint: dict | None) -> tuple[datetime, str | None]:
        checkpoint = checkpoint or {}
        if checkpoint.get("window_start"):
            return datetime.fromisoformat(checkpoint["window_start"]), checkpoint.get("next_token")
        if checkpoint.get("completed_until"):
            reopen = timedelta(days=float(self.settings.get("reopen_days", 30)))
            return datetime.fromisoformat(checkpoint["completed_until"]) - reopen, None
        return self.now() - timedelta(days=float(self.settings.get("lookback_days", FIRST_SYNC_LOOKBACK_DAYS))), None

    def _windows(self, checkpoint: dict | None) -> Iterator[tuple[datetime, datetime, str | None]]:
        start, token = self._start(checkpoint)
        until = self.now()
        while start < until:
            end = min(start + MAX_WINDOW, until)
            yield start, end, token
            start, token = end, None

    def fetch(self, kind: str, checkpoint: dict | None) -> Iterator[Page]:
        self.check_kind(kind)
        until = self.now()
        for start, end, token in self._windows(checkpoint):
            if kind == DocumentKind.PURCHASE_ORDERS:
                yield from self._order_pages(start, end, token)
            else:
                yield from self._shipment_pages(start, end, token)
        yield Page(kind, [], {"completed_until": until.isoformat()})

    def _paged(self, operation: str, path: str, params: dict, list_key: str, token: str | None):
        """(items, next token) per page of one window; Amazon wants the same filters with the token."""
        while True:
            payload = self.get(operation, path, {**params, **({"nextToken": token} if token else {})})
            token = (payload.get("pagination") or {}).get("nextToken")
            yield payload.get(list_key) or [], token
            if not token:
                return

    def _page(self, kind: str, records: list, start: datetime, end: datetime, token: str | None) -> Page:
        if token:
            position = {"window_start": start.isoformat(), "window_end": end.isoformat(), "next_token": token}
        else:
            position = {"window_start": end.isoformat()}
        return Page(kind, records, position)

    def _order_pages(self, start: datetime, end: datetime, token: str | None) -> Iterator[Page]:
        window = {"createdAfter": _iso(start), "createdBefore": _iso(end)}
        limit = int(self.settings.get("page_size", 100))
        statuses = self._statuses({**window, "limit": limit})
        params = {**window, "limit": limit, "includeDetails": "true", "sortOrder": "ASC"}
        for orders, next_token in self._paged("getPurchaseOrders", ORDERS_PATH, params, "orders", token):
            records = [
                parse_order(o, status=statuses.get(o.get("purchaseOrderNumber")), currency=self.account.currency)
                for o in orders
            ]
            yield self._page(DocumentKind.PURCHASE_ORDERS, records, start, end, next_token)

    def _statuses(self, params: dict) -> dict[str, dict]:
        """Receiving status of every PO of the window, by PO number (merged into the orders' items)."""
        statuses = {}
        for page, _cursor in self._paged("getPurchaseOrdersStatus", ORDERS_STATUS_PATH, params, "ordersStatus", None):
            statuses.update({status["purchaseOrderNumber"]: status for status in page})
        return statuses

    def _shipment_pages(self, start: datetime, end: datetime, token: str | None) -> Iterator[Page]:
        params = {
            "createdAfter": _iso(start),
            "createdBefore": _iso(end),
            "limit": min(50, int(self.settings.get("page_size", 50))),
            "sortOrder": "ASC",
        }
        pages = self._paged("GetShipmentDetails", SHIPMENTS_PATH, params, "shipments", token)
        for shipments, next_token in pages:
            yield self._page(DocumentKind.SHIPMENTS, [parse_shipment(s) for s in shipments], start, end, next_token)

    # -- single records and a connection test -------------------------------------------------------

    def fetch_records(self, kind: str, keys: Iterable[str]) -> dict[str, object]:
        self.check_kind(kind)
        found = {}
        for key in keys:
            if kind == DocumentKind.PURCHASE_ORDERS:
                order = self.get("getPurchaseOrder", f"{ORDERS_PATH}/{key}", {})
                status = self.get("getPurchaseOrdersStatus", ORDERS_STATUS_PATH, {"purchaseOrderNumber": key})
                statuses = status.get("ordersStatus") or []
                found[key] = parse_order(
                    order, status=statuses[0] if statuses else None, currency=self.account.currency
                )
            else:
                payload = self.get("GetShipmentDetails", SHIPMENTS_PATH, {"vendorShipmentIdentifier": key})
                found.update({s.shipment_id: s for s in map(parse_shipment, payload.get("shipments") or [])})
        return found

    def test_connection(self) -> str:
        now = self.now()
        window = {"createdAfter": _iso(now - timedelta(days=1)), "createdBefore": _iso(now), "limit": 1}
        self.get("getPurchaseOrders", ORDERS_PATH, window)
        return f"LWA token obtained and getPurchaseOrders answered at {self.endpoint}."
