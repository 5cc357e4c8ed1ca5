"""Small real HTTP servers on 127.0.0.1 for the client's tests: scripted answers, and a faulty proxy.

`ScriptedServer` answers each request with the next scripted reply (status, headers, body, or
"drop" to close the connection without answering, or a delay) and records what it received.
`FaultyProxy` forwards to a real server (the live ACORN) and can fail chosen requests: before
forwarding (the server never sees it) or after (the server did the work, the client gets a 502).
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | dict | list = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without an answer
    delay: float = 0.0  # wait before answering (to trip the client's read timeout)

    def encoded(self) -> bytes:
        if isinstance(self.body, (dict, list)):
            return json.dumps(self.body).encode()
        return self.body.encode() if isinstance(self.body, str) else self.body


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class _BaseHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
        pass

    def _read(self) -> Received:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        return Received(self.command, self.path, dict(self.headers.items()), body)

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _drop(self) -> None:
        self.close_connection = True
        self.connection.shutdown(2)

    def do_GET(self):  # noqa: N802 - http.server's naming
        self.handle_one()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET  # noqa: N815


class ScriptedServer:
    """`with ScriptedServer([Reply(503), Reply(200, {...})]) as server: ... server.url, server.received`."""

    def __init__(self, replies: list[Reply], default: Reply | None = None):
        self.replies = list(replies)
        self.default = default or Reply(500, {"title": "script exhausted"}, {"Content-Type": "application/json"})
        self.received: list[Received] = []
        self.lock = threading.Lock()
        owner = self

        class Handler(_BaseHandler):
            def handle_one(self):
                request = self._read()
                with owner.lock:
                    owner.received.append(request)
                    reply = owner.replies.pop(0) if owner.replies else owner.default
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.drop:
                    self._drop()
                    return
                headers = {"Content-Type": "application/json", **reply.headers}
                self._send(reply.status, headers, reply.encoded())

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()


class FaultyProxy:
    """Forwards to `upstream`; `fail_before` / `fail_after` say how many matching requests to fail.

    fail_before: answer 503 without forwarding (the server never sees the request).
    fail_after: forward, let the server do the work, then answer 502 instead of its response (a
    lost answer: the case idempotency keys exist for).
    `match(method, path)` chooses which requests the faults apply to (default: all).
    """

    def __init__(self, upstream: str, *, fail_before: int = 0, fail_after: int = 0, match=None):
        self.upstream = urlsplit(upstream)
        self.fail_before = fail_before
        self.fail_after = fail_after
        self.match = match or (lambda method, path: True)
        self.received: list[Received] = []
        self.upstream_statuses: list[int] = []
        self.lock = threading.Lock()
        owner = self

        class Handler(_BaseHandler):
            def handle_one(self):
                request = self._read()
                matched = owner.match(request.method, request.path)
                with owner.lock:
                    owner.received.append(request)
                    before = matched and owner.fail_before > 0
                    if before:
                        owner.fail_before -= 1
                if before:
                    problem = {"title": "Service unavailable", "status": 503, "detail": "proxy fault (before)"}
                    self._send(503, {"Content-Type": "application/problem+json"}, json.dumps(problem).encode())
                    return
                status, headers, body = owner._forward(request)
                with owner.lock:
                    owner.upstream_statuses.append(status)
                    after = matched and owner.fail_after > 0
                    if after:
                        owner.fail_after -= 1
                if after:
                    self._send(502, {"Content-Type": "text/html"}, b"<html><body>502 Bad Gateway</body></html>")
                    return
                self._send(status, headers, body)

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _forward(self, request: Received) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=30)
        try:
            skip = {"host", "content-length", "connection"}
            headers = {k: v for k, v in request.headers.items() if k.lower() not in skip}
            headers["Host"] = f"{self.upstream.hostname}:{self.upstream.port}"
            connection.request(request.method, request.path, body=request.body or None, headers=headers)
            response = connection.getresponse()
            body = response.read()
            keep = {k: v for k, v in response.getheaders() if k.lower() not in {"content-length", "connection"}}
            return response.status, keep, body
        finally:
            connection.close()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
