"""Start the portal's processes as separate hosts would: gunicorn web servers and task clusters.

Each process gets the production settings from its environment (tests/process_settings.py adds only
file mail and finder-served static files), the test's database and one shared Redis database.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)
# A Redis database of this suite's own (others on the machine use 0 and their own numbers).
REDIS_DB = int(os.environ.get("ACORN_TEST_REDIS_DB", "13"))
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def process_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACORN_", "DJANGO_", "Q_", "PYTEST"))}
    # A moved-clock run (tests/moved_clock) moves these processes too, or they sync as of another day.
    env.update({k: v for k, v in os.environ.items() if k.startswith("ACORN_TEST_CLOCK")})
    env.update(
        DJANGO_SETTINGS_MODULE="tests.process_settings",
        ACORN_ENV_FILE="",
        ACORN_DEBUG="0",
        SECRET_KEY=settings.SECRET_KEY,
        ACORN_ENCRYPTION_KEYS=",".join(settings.ENCRYPTION_KEYS),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        ACORN_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        ACORN_OUTBOUND_ALLOWED_NETWORKS="127.0.0.0/8",
        DATABASE_URL=database_url(),
        REDIS_URL=REDIS_URL,
        LOG_LEVEL="WARNING",
    )
    env.update({name: str(value) for name, value in extra.items()})
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Process:
    """One child in its own session, so that killing it kills everything it started."""

    def __init__(self, name: str, args: list[str], env: dict, log_dir: Path):
        self.name = name
        self.log = (log_dir / f"{name}.log").open("w")
        self.popen = subprocess.Popen(  # noqa: S603 - our own manage.py
            [sys.executable, *args],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def owns(self, pid: int) -> bool:
        """True when `pid` is this process or one it started (same session)."""
        try:
            return os.getsid(pid) == self.popen.pid
        except ProcessLookupError:
            return False

    def kill(self) -> None:
        """SIGKILL to the whole session: no cleanup, as when a host dies."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=25)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-3000:]


def web(name: str, port: int, env: dict, log_dir: Path) -> Process:
    args = ["manage.py", "run_portal", "--web-only", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    return Process(name, args, env, log_dir)


def cluster(name: str, env: dict, log_dir: Path) -> Process:
    return Process(name, ["manage.py", "run_portal", "--cluster-only"], env, log_dir)


def wait_until(condition, *, timeout: float, what: str, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def http(method: str, url: str, *, key: str | None = None, body: bytes | None = None, headers=None):
    """(status, headers, body) of one request; errors are answers too."""
    request = urllib.request.Request(url, method=method, data=body)  # noqa: S310 - 127.0.0.1 only
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def answers(url: str) -> bool:
    try:
        http("GET", url)
    except OSError:
        return False
    return True
