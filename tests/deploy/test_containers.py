"""The Dockerfile and compose.yaml: what can be checked without a container runtime, and a real start
where one runs (this machine has the docker client but no engine, so that part is skipped here)."""

import os
import re
import secrets
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import get_commands

ROOT = Path(settings.BASE_DIR)


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_runs_web_worker_postgresql_and_redis_from_the_image():
    services = compose()["services"]
    assert set(services) == {"web", "worker", "postgres", "redis"}
    for role in ("web", "worker"):
        env = services[role]["environment"]
        assert env["ACORN_DEBUG"] == "0"
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert "${SECRET_KEY:?" in env["SECRET_KEY"] and "${ACORN_ENCRYPTION_KEYS:?" in env["ACORN_ENCRYPTION_KEYS"]
        assert set(services[role]["depends_on"]) == {"postgres", "redis"}
    assert services["web"]["command"][:4] == ["python", "manage.py", "run_portal", "--production"]
    assert "manage.py qcluster" in services["worker"]["command"][-1]


def test_the_commands_the_image_runs_exist():
    dockerfile = (ROOT / "Dockerfile").read_text()
    named = set(re.findall(r"manage\.py\"?, \"?([a-z_]+)", dockerfile)) | set(
        re.findall(r"manage\.py ([a-z_]+)", dockerfile + str(compose()))
    )
    assert {"collectstatic", "run_portal", "qcluster", "migrate"} <= named
    assert named <= set(get_commands()), named - set(get_commands())
    required = {
        line.split("==")[0].lower() for line in (ROOT / "requirements.txt").read_text().splitlines() if "==" in line
    }
    assert {"gunicorn", "redis", "psycopg[binary]"} <= required


def docker_engine_answers() -> tuple[bool, str]:
    if not shutil.which("docker"):
        return False, "the docker client is not installed"
    done = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=30, check=False)  # noqa: S607
    if done.returncode != 0:
        return False, "no container engine answers `docker info` on this machine (client only)"
    compose_ok = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)  # noqa: S607
    if compose_ok.returncode != 0:
        return False, "the docker compose plugin is not installed"
    return True, ""


_ENGINE, _WHY = docker_engine_answers()


@pytest.mark.skipif(not _ENGINE, reason=_WHY)
def test_compose_builds_starts_and_serves_the_portal():
    env = {
        **os.environ,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ACORN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "ACORN_SSL_REDIRECT": "0",
        "COMPOSE_PROJECT_NAME": "acorntest",
    }

    def run(*args, **kw):
        return subprocess.run(  # noqa: S603
            ["docker", "compose", *args],  # noqa: S607
            cwd=ROOT,
            env=env,
            check=True,
            timeout=900,
            **kw,
        )

    run("up", "--build", "-d")
    try:
        deadline = time.monotonic() + 300
        status = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen("http://127.0.0.1:8000/admin/login/", timeout=5) as response:  # noqa: S310
                    status = response.status
                    break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(3)
        assert status == 200
        workers = run("ps", "--status", "running", "--services", capture_output=True, text=True).stdout.split()
        assert {"web", "worker", "postgres", "redis"} <= set(workers)
    finally:
        run("down", "-v")
