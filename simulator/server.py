"""A fake Vendor Central over HTTP on 127.0.0.1: SP-API vendor endpoints, LWA, a data feed, report files.

It serves the generator's world (deterministic by seed), never touches the database, and misbehaves
on demand (`faults.FaultPlan`). Accounts are told apart the way the real services do it: the LWA
refresh token `sim-refresh-<KEY>` yields access tokens for account KEY, and the feed's API key is
`sim-feed-<KEY>` (KEY is the AccountSpec key, the marketplace code for the demo).

    with serve(seed=7, accounts=[spec], today=date(2026, 11, 20), deductions=150) as sim:
        sim.base_url  # http://127.0.0.1:<port chosen by the OS>

Endpoints: POST /auth/o2/token; GET /vendor/orders/v1/purchaseOrders[/{number}],
/vendor/orders/v1/purchaseOrdersStatus, /vendor/shipping/v1/shipments; GET /feed/v1/{deductions,
invoices,remittances}; GET /reports/v1/{chargebacks,invoices,remittances}.csv.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import socket
import struct
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from simulator import payloads
from simulator.catalog import AccountSpec
from simulator.data import SimulatorData
from simulator.faults import FaultPlan
from simulator.vendor_files import shapes

MAX_WINDOW_SECONDS = 7 * 24 * 3600


class Reply(Exception):  # noqa: N818 - an HTTP answer, not an error
    """An HTTP answer other than 200, raised from deep inside a handler."""

    def __init__(self, status: int, body: dict):
        super().__init__(status)
        self.status, self.body = status, body


def _amazon_error(code: str, message: str) -> dict:
    return {"errors": [{"code": code, "message": message}]}


def _encode_token(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode()


def _decode_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(base64.b64decode(token.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        raise Reply(400, _amazon_error("InvalidInput", "Invalid nextToken.")) from None


def _moment(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise Reply(400, _amazon_error("InvalidInput", f"Invalid date {value!r}.")) from None


class Simulator:
    """The simulator's state: its data, fault plan, issued tokens and a count of calls by path."""

    def __init__(self, data: SimulatorData, faults: FaultPlan, vendor_orders: dict[str, list] | None = None):
        self.data, self.faults = data, faults
        # With a simulated vendor's orders (by account key) SP-API serves those in Amazon's shapes; the
        # vendor's ASNs, invoices and deductions then come from its ERP and report files, not from here.
        self.vendor_orders = vendor_orders
        self.tokens: dict[str, str] = {}
        self.counter = itertools.count(1)
        self.calls: dict[str, int] = {}
        self.lock = threading.Lock()

    def count(self, path: str) -> None:
        with self.lock:
            self.calls[path] = self.calls.get(path, 0) + 1

    # -- authentication -----------------------------------------------------------------------------

    def issue_token(self, form: dict) -> dict:
        refresh = (form.get("refresh_token") or [""])[0]
        key = refresh.removeprefix("sim-refresh-")
        if (form.get("grant_type") or [""])[0] != "refresh_token" or not refresh.startswith("sim-refresh-"):
            raise Reply(400, {"error": "invalid_grant", "error_description": "The refresh token is invalid."})
        if key not in self.data.accounts or not (form.get("client_id") and form.get("client_secret")):
            raise Reply(401, {"error": "invalid_client", "error_description": "Client authentication failed."})
        token = f"Atza|sim|{key}|{next(self.counter)}"
        with self.lock:
            self.tokens[token] = key
        return {"access_token": token, "token_type": "bearer", "expires_in": 3600, "refresh_token": refresh}

    def spapi_account(self, headers) -> str:
        key = self.tokens.get(headers.get("x-amz-access-token", ""))
        if key is None:
            raise Reply(403, _amazon_error("Unauthorized", "Access to requested resource is denied."))
        return key

    def feed_account(self, headers) -> str:
        api_key = headers.get("X-Api-Key", "")
        key = api_key.removeprefix("sim-feed-")
        if not api_key.startswith("sim-feed-") or key not in self.data.accounts:
            raise Reply(401, {"error": "unauthorized", "message": "Unknown API key."})
        return key

    # -- SP-API -------------------------------------------------------------------------------------

    def window(self, records: list, params: dict, moment) -> list:
        after, before = _moment(params.get("createdAfter")), _moment(params.get("createdBefore"))
        if after and before and (before - after).total_seconds() > MAX_WINDOW_SECONDS:
            raise Reply(400, _amazon_error("InvalidInput", "The date range must not exceed 7 days."))
        return [r for r in records if (not after or moment(r) >= after) and (not before or moment(r) < before)]

    def paginate(self, records: list, params: dict, limit_max: int, duplicate: bool) -> tuple[list, dict]:
        limit = min(limit_max, int(params.get("limit") or limit_max))
        offset = _decode_token(params.get("nextToken"))
        page = records[offset : offset + limit]
        if duplicate and offset > 0:
            page = [records[offset - 1], *page]  # a record the previous page already had
        pagination = {"nextToken": _encode_token(offset + limit)} if offset + limit < len(records) else {}
        return page, pagination

    def purchase_orders(self, key: str, params: dict, duplicate: bool) -> dict:
        if self.vendor_orders is not None:
            orders = self.window(self.vendor_orders.get(key, []), params, lambda order: order.ordered_at)
            page, pagination = self.paginate(orders, params, 100, duplicate)
            return {"payload": _drop({"pagination": pagination, "orders": [shapes.purchase_order(o) for o in page]})}
        orders = self.window(self.data.records(key, "purchase_orders"), params, lambda po: po.ordered_at)
        page, pagination = self.paginate(orders, params, 100, duplicate)
        return {"payload": _drop({"pagination": pagination, "orders": [payloads.order_json(po) for po in page]})}

    def purchase_order(self, key: str, number: str) -> dict:
        if self.vendor_orders is not None:
            order = next((o for o in self.vendor_orders.get(key, []) if o.number == number), None)
            if order is None:
                raise Reply(404, _amazon_error("NotFound", f"Purchase order {number} not found."))
            return {"payload": shapes.purchase_order(order)}
        po = self.data.find(key, "purchase_orders", number)
        if po is None:
            raise Reply(404, _amazon_error("NotFound", f"Purchase order {number} not found."))
        return {"payload": payloads.order_json(po)}

    def order_statuses(self, key: str, params: dict, duplicate: bool) -> dict:
        if self.vendor_orders is not None:
            orders = self.vendor_orders.get(key, [])
            if params.get("purchaseOrderNumber"):
                orders = [o for o in orders if o.number == params["purchaseOrderNumber"]]
            orders = self.window(orders, params, lambda order: order.ordered_at)
            page, pagination = self.paginate(orders, params, 100, duplicate)
            statuses = [shapes.purchase_order_status(o) for o in page]
            return {"payload": _drop({"pagination": pagination, "ordersStatus": statuses})}
        orders = self.data.records(key, "purchase_orders")
        if params.get("purchaseOrderNumber"):
            orders = [po for po in orders if po.number == params["purchaseOrderNumber"]]
        orders = self.window(orders, params, lambda po: po.ordered_at)
        page, pagination = self.paginate(orders, params, 100, duplicate)
        statuses = [payloads.order_status_json(po) for po in page]
        return {"payload": _drop({"pagination": pagination, "ordersStatus": statuses})}

    def shipments(self, key: str, params: dict, duplicate: bool) -> dict:
        shipments = [] if self.vendor_orders is not None else self.data.records(key, "shipments")
        if params.get("vendorShipmentIdentifier"):
            shipments = [s for s in shipments if s.shipment_id == params["vendorShipmentIdentifier"]]
        shipments = self.window(shipments, params, lambda s: s.shipped_at)
        page, pagination = self.paginate(shipments, params, 50, duplicate)
        vendor_code = self.data.accounts[key].vendor_code
        rendered = [payloads.shipment_json(s, vendor_code=vendor_code) for s in page]
        return {"payload": _drop({"pagination": pagination, "shipments": rendered})}

    # -- data feed and report files -----------------------------------------------------------------

    FEED_KINDS = {"deductions": "chargebacks", "invoices": "invoices", "remittances": "remittances"}

    def feed(self, key: str, name: str, params: dict, duplicate: bool) -> dict:
        kind = self.FEED_KINDS[name]
        records = self.data.records(key, kind)
        if params.get("ids"):
            wanted = set(params["ids"].split(","))
            records = [r for r in records if self.data.key_of(kind, r) in wanted]
        limit = min(500, int(params.get("limit") or 100))
        offset = int(params.get("cursor") or 0)
        page = records[offset : offset + limit]
        if duplicate and offset > 0:
            page = [records[offset - 1], *page]
        more = offset + limit < len(records)
        return {
            "data": [payloads.feed_json(kind, r) for r in page],
            "next_cursor": str(offset + limit) if more else None,
        }

    def report(self, key: str, name: str) -> str:
        return payloads.report_csv(name, self.data.records(key, name))


def _drop(payload: dict) -> dict:
    return {k: v for k, v in payload.items() if v != {}}


class Handler(BaseHTTPRequestHandler):
    """Routes requests to the Simulator, after letting the fault plan have its way."""

    server_version = "ACORN-VendorCentral-Simulator/1.0"
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body go out in two writes; without this, Nagle and delayed ACKs add ~40 ms a call.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    @property
    def sim(self) -> Simulator:
        return self.server.simulator

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        if self.server.verbose:
            super().log_message(format, *args)

    def do_GET(self):  # noqa: N802 - http.server's naming
        self._serve("GET")

    def do_POST(self):  # noqa: N802
        self._serve("POST")

    def _serve(self, method: str) -> None:
        url = urlparse(self.path)
        params = {k: v[-1] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.sim.count(url.path)
        fault, duplicate = self.sim.faults.draw()
        if self.sim.faults.latency:
            time.sleep(self.sim.faults.latency)
        if fault in ("reset", "timeout") and self._transport_fault(fault):
            return
        try:
            status, content, ctype = 200, *self._route(method, url.path, params, body, duplicate)
        except Reply as reply:
            status, content, ctype = reply.status, json.dumps(reply.body), "application/json"
        if fault == "429":
            status, content = 429, json.dumps(_amazon_error("QuotaExceeded", "You exceeded your quota."))
        elif fault == "5xx":
            status = 503 if self.sim.faults.coin() < 0.5 else 500
            content = json.dumps(_amazon_error("InternalFailure", "We encountered an internal error."))
        self._send(status, content.encode(), ctype, fault)

    def _transport_fault(self, fault: str) -> bool:
        if fault == "timeout":
            time.sleep(self.sim.faults.hang)  # the client gave up meanwhile; answer normally to no one
            return False
        # An RST instead of a FIN: SO_LINGER with a zero timeout, then close.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True
        return True

    def _route(self, method: str, path: str, params: dict, body: bytes, duplicate: bool) -> tuple[str, str]:
        if method == "POST" and path == "/auth/o2/token":
            return json.dumps(self.sim.issue_token(parse_qs(body.decode()))), "application/json"
        if method != "GET":
            raise Reply(405, _amazon_error("MethodNotAllowed", "Only GET is served here."))
        if path.startswith("/feed/v1/") and path.removeprefix("/feed/v1/") in Simulator.FEED_KINDS:
            key = self.sim.feed_account(self.headers)
            return json.dumps(self.sim.feed(key, path.removeprefix("/feed/v1/"), params, duplicate)), "application/json"
        if path.startswith("/reports/v1/") and path.endswith(".csv"):
            name = path.removeprefix("/reports/v1/").removesuffix(".csv")
            if name not in ("chargebacks", "invoices", "remittances"):
                raise Reply(404, {"error": "no such report"})
            return self.sim.report(self.sim.feed_account(self.headers), name), "text/csv"
        return json.dumps(self._spapi(path, params, duplicate)), "application/json"

    def _spapi(self, path: str, params: dict, duplicate: bool) -> dict:
        routes = {
            "/vendor/orders/v1/purchaseOrders": self.sim.purchase_orders,
            "/vendor/orders/v1/purchaseOrdersStatus": self.sim.order_statuses,
            "/vendor/shipping/v1/shipments": self.sim.shipments,
        }
        if path in routes:
            return routes[path](self.sim.spapi_account(self.headers), params, duplicate)
        if path.startswith("/vendor/orders/v1/purchaseOrders/"):
            return self.sim.purchase_order(self.sim.spapi_account(self.headers), path.rsplit("/", 1)[-1])
        raise Reply(404, _amazon_error("NotFound", f"No resource at {path}."))

    def _send(self, status: int, content: bytes, ctype: str, fault: str | None) -> None:
        if fault == "malformed" and status == 200:
            content = content[: len(content) // 2]
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        if status in (200, 400, 404):
            self.send_header("x-amzn-RateLimit-Limit", "10.0")  # never on a 429 (docs/AMAZON.md, § spapi)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if fault == "truncated" and status == 200:
            self.wfile.write(content[: len(content) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(content)

    def finish(self):
        with contextlib.suppress(OSError):  # the connection may be gone after a reset fault
            super().finish()


class SimulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address, simulator: Simulator, *, verbose: bool = False):
        super().__init__(address, Handler)
        self.simulator, self.verbose = simulator, verbose

    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)


class Running:
    """A started simulator: its base URL, state (call counts, data) and a stop()."""

    def __init__(self, server: SimulatorHTTPServer, thread: threading.Thread):
        self.server, self.thread = server, thread
        host, port = server.server_address[:2]
        self.base_url = f"http://{host}:{port}"
        self.simulator = server.simulator

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start(
    *,
    seed: int,
    accounts: Sequence[AccountSpec],
    today: date,
    deductions: int = 0,
    faults: FaultPlan | str | None = None,
    port: int = 0,
    verbose: bool = False,
    vendor_world=None,
) -> Running:
    """Build the world and serve it on 127.0.0.1:`port` (0: a free port the OS picks) in a thread.

    With `vendor_world` (a `simulator.vendor_files` world), SP-API serves that vendor's purchase orders
    and their status in Amazon's shapes, each account under its marketplace code, instead of the
    record generator's world.
    """
    plan = faults if isinstance(faults, FaultPlan) else FaultPlan.parse(faults, seed=seed)
    if vendor_world is None:
        data, orders = SimulatorData(seed=seed, accounts=accounts, today=today, deductions=deductions), None
    else:
        data = SimulatorData.from_records(seed=seed, accounts=accounts, today=today, records={})
        orders = {a.marketplace: [o for o in vendor_world.orders if o.account is a] for a in vendor_world.accounts}
        for key in orders:
            orders[key].sort(key=lambda order: (order.ordered_at, order.number))
    server = SimulatorHTTPServer(("127.0.0.1", port), Simulator(data, plan, orders), verbose=verbose)
    thread = threading.Thread(target=server.serve_forever, name="vendor-central-simulator", daemon=True)
    thread.start()
    return Running(server, thread)


@contextlib.contextmanager
def serve(**options) -> Iterator[Running]:
    """`start()` as a context manager: the simulator stops when the block ends."""
    running = start(**options)
    try:
        yield running
    finally:
        running.stop()
