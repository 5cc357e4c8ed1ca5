"""A local SP-API (Vendor Retail Procurement) serving a vendor's saved payloads, for replaying its files.

The folder's `purchase_orders.json` (`{"payload": {"orders": [...]}}`) and
`purchase_orders_status.json` (`{"payload": {"ordersStatus": [...]}}`) are served the way Amazon
serves them: LWA token, `getPurchaseOrders` and `getPurchaseOrdersStatus` filtered by
`createdAfter`/`createdBefore` (at most seven days) and paged with `nextToken`; `GetShipmentDetails`
answers with no shipments (a vendor's ASNs come from its own ERP). Accounts are told apart by the
refresh token `folder-refresh-<VENDORCODE>`: each sees only the orders its vendor code sold.
Listens on 127.0.0.1 only.

    with serve_folder(Path("spapi")) as base_url:
        ...  # point an SP-API data source's `endpoint` and `token_url` at base_url
"""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

REFRESH_PREFIX = "folder-refresh-"
MAX_WINDOW_SECONDS = 7 * 24 * 3600
PAGE_LIMIT = 100


class _Folder:
    def __init__(self, folder: Path):
        orders = json.loads((folder / "purchase_orders.json").read_text())["payload"]["orders"]
        status_path = folder / "purchase_orders_status.json"
        statuses = json.loads(status_path.read_text())["payload"]["ordersStatus"] if status_path.exists() else []
        self.orders = sorted(
            orders, key=lambda o: (_moment(o["orderDetails"]["purchaseOrderDate"]), o["purchaseOrderNumber"])
        )
        self.statuses = {s["purchaseOrderNumber"]: s for s in statuses}
        self.tokens: dict[str, str] = {}
        self.lock = threading.Lock()

    def issue(self, refresh_token: str) -> str | None:
        if not refresh_token.startswith(REFRESH_PREFIX):
            return None
        token = secrets.token_urlsafe(16)
        with self.lock:
            self.tokens[token] = refresh_token.removeprefix(REFRESH_PREFIX).upper()
        return token

    def vendor_code(self, token: str | None) -> str | None:
        with self.lock:
            return self.tokens.get(token or "")


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass

    def do_POST(self):  # noqa: N802 - http.server's naming
        if urlparse(self.path).path != "/auth/o2/token":
            return self._json(404, {"errors": [{"code": "NotFound", "message": self.path}]})
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        token = self.server.folder.issue(form.get("refresh_token", ""))
        if token is None:
            return self._json(400, {"error": "invalid_grant", "error_description": "Unknown refresh token."})
        return self._json(200, {"access_token": token, "token_type": "bearer", "expires_in": 3600})

    def do_GET(self):  # noqa: N802
        url = urlparse(self.path)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        code = self.server.folder.vendor_code(self.headers.get("x-amz-access-token"))
        if code is None:
            return self._json(
                403, {"errors": [{"code": "Unauthorized", "message": "Access to requested resource is denied."}]}
            )
        if url.path == "/vendor/shipping/v1/shipments":
            return self._json(200, {"payload": {"shipments": []}})
        if url.path not in ("/vendor/orders/v1/purchaseOrders", "/vendor/orders/v1/purchaseOrdersStatus"):
            return self._json(404, {"errors": [{"code": "NotFound", "message": url.path}]})
        try:
            orders = self._window([o for o in self.server.folder.orders if _seller(o) == code], params)
        except ValueError as exc:
            return self._json(400, {"errors": [{"code": "InvalidInput", "message": str(exc)}]})
        if params.get("purchaseOrderNumber"):
            orders = [o for o in orders if o["purchaseOrderNumber"] == params["purchaseOrderNumber"]]
        page, pagination = _paginate(orders, params)
        if url.path.endswith("purchaseOrders"):
            payload = {"orders": page}
        else:
            statuses = self.server.folder.statuses
            payload = {
                "ordersStatus": [
                    statuses[o["purchaseOrderNumber"]] for o in page if o["purchaseOrderNumber"] in statuses
                ]
            }
        return self._json(200, {"payload": {**payload, **({"pagination": pagination} if pagination else {})}})

    def _window(self, orders: list, params: dict) -> list:
        after = _moment(params["createdAfter"]) if params.get("createdAfter") else None
        before = _moment(params["createdBefore"]) if params.get("createdBefore") else None
        if after and before and (before - after).total_seconds() > MAX_WINDOW_SECONDS:
            raise ValueError("The date range must not exceed 7 days.")
        placed = []
        for order in orders:
            moment = _moment(order["orderDetails"]["purchaseOrderDate"])
            if (after is None or moment >= after) and (before is None or moment < before):
                placed.append(order)
        return placed

    def _json(self, status: int, body: dict) -> None:
        content = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(content)))
        self.send_header("x-amzn-RequestId", secrets.token_hex(8))
        self.end_headers()
        self.wfile.write(content)


def _seller(order: dict) -> str:
    return ((order.get("orderDetails") or {}).get("sellingParty") or {}).get("partyId", "").upper()


def _paginate(orders: list, params: dict) -> tuple[list, dict]:
    limit = min(PAGE_LIMIT, int(params.get("limit") or PAGE_LIMIT))
    offset = int(base64.b64decode(params["nextToken"]).decode()) if params.get("nextToken") else 0
    page = orders[offset : offset + limit]
    more = offset + limit < len(orders)
    return page, ({"nextToken": base64.b64encode(str(offset + limit).encode()).decode()} if more else {})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, folder: _Folder):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.folder = folder


@contextlib.contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve the folder's SP-API payloads on 127.0.0.1 (a port the OS picks); yields the base URL."""
    server = _Server(_Folder(Path(folder)))
    thread = threading.Thread(target=server.serve_forever, name="spapi-folder", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
