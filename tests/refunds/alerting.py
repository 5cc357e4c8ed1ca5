"""Helpers for the alert tests: a fixed clock, cases with deadlines, and a chat webhook receiver on 127.0.0.1."""

import http.server
import itertools
import json
import threading
from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from refunds.choices import ChargebackState, DeductionFamily
from refunds.models import Chargeback, WatchRule

# 16:00 UTC on 26 November: already 27 November 01:00 in Tokyo, still 26 November 08:00 in Los Angeles.
NOW = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)
TODAY_LA = date(2026, 11, 26)

_ids = itertools.count(1)


def case(account, *, target_on, due_on=None, **fields) -> Chargeback:
    """An open case with a target and a deadline (due four days after the target unless given)."""
    values = {
        "amazon_id": f"AL{next(_ids):07d}",
        "family": DeductionFamily.SHORTAGE,
        "deduction_type": "shortage",
        "amount": Decimal("250.00"),
        "currency": account.currency,
        "issue_date": date(2026, 11, 1),
        "target_on": target_on,
        "due_on": due_on or date.fromordinal(target_on.toordinal() + 4),
        "state": ChargebackState.IN_REVIEW,
    }
    values.update(fields)
    return Chargeback.objects.create(account=account, **values)


def rule(org, name="All cases", *, channels=(), users=(), accounts=(), **fields) -> WatchRule:
    watch = WatchRule.objects.create(organization=org, name=name, **fields)
    watch.channels.set(channels)
    watch.users.set(users)
    watch.accounts.set(accounts)
    return watch


class Receiver:
    """Captures every POST; answers per path with a status and a JSON body (default 200 {"ok": true})."""

    def __init__(self):
        self.requests = []
        self.answers = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                parts = urlsplit(self.path)
                with receiver.lock:
                    receiver.requests.append(
                        {
                            "path": parts.path,
                            "query": {key: values[0] for key, values in parse_qs(parts.query).items()},
                            "headers": dict(self.headers),
                            "json": json.loads(body or b"null"),
                        }
                    )
                status, answer = receiver.answers.get(parts.path, (200, {"ok": True}))
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def to(self, path: str) -> list[dict]:
        return [request for request in self.requests if request["path"] == path]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
