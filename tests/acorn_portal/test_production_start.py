"""Starting the portal outside the test runner: the local .env, collected static files, gunicorn.

These run `manage.py` and the WSGI entry point in fresh interpreters, as a new shell or a process
manager would.
"""

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from acorn_portal import dotenv
from tests.acorn_portal.test_deploy_settings import production_env

ROOT = Path(settings.BASE_DIR)


def python(code_or_args, env, timeout=180):
    args = ["-c", code_or_args] if isinstance(code_or_args, str) else code_or_args
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def new_shell_env(**extra) -> dict:
    """What a new shell has: none of the portal's variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACORN_", "DJANGO_", "PYTEST"))}
    for name in ("SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "REDIS_URL", "Q_SYNC"):
        env.pop(name, None)
    env.update(extra)
    return env


# --- the local .env ----------------------------------------------------------------------------


def test_env_file_is_created_once_with_generated_secrets_readable_by_the_owner_only(tmp_path):
    path = tmp_path / ".env"
    assert dotenv.create(path) is True
    first = path.read_text()
    assert dotenv.create(path) is False and path.read_text() == first  # never overwritten
    values = dotenv.parse(first)
    assert values["ACORN_DEBUG"] == "1" and len(values["SECRET_KEY"]) >= 50
    assert values["SECRET_KEY"] != dotenv.parse(dotenv.render_new(keep_old_demo_key=False))["SECRET_KEY"]
    from cryptography.fernet import Fernet

    Fernet(values["ACORN_ENCRYPTION_KEYS"].split(",")[0])  # a usable key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_env_file_is_gitignored():
    done = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT, check=False)  # noqa: S607
    assert done.returncode == 0


def test_env_file_fills_in_only_what_the_environment_does_not_set(tmp_path, monkeypatch):
    path = tmp_path / "local.env"
    path.write_text("# comment\n\nexport ACORN_TEST_A='from file'\nACORN_TEST_B=\"b\"\nACORN_TEST_C=c=d\n")
    monkeypatch.setenv("ACORN_TEST_A", "from environment")
    monkeypatch.delenv("ACORN_TEST_B", raising=False)
    monkeypatch.delenv("ACORN_TEST_C", raising=False)
    added = dotenv.load(path)
    assert added == {"ACORN_TEST_B": "b", "ACORN_TEST_C": "c=d"}
    assert os.environ["ACORN_TEST_A"] == "from environment"
    for name in added:
        monkeypatch.delenv(name)


def test_a_malformed_env_file_names_the_line(tmp_path):
    path = tmp_path / ".env"
    path.write_text("ACORN_DEBUG=1\nthis is not a setting\n")
    with pytest.raises(SystemExit, match="line 2 is not KEY=VALUE"):
        dotenv.load(path)


def test_manage_py_in_a_new_shell_reads_the_env_file(tmp_path):
    """README commands like `manage.py issue_api_key` work after `make run` without exporting anything."""
    env_file = tmp_path / ".env"
    db = tmp_path / "db.sqlite3"
    without = python(["manage.py", "check"], new_shell_env(ACORN_ENV_FILE=str(env_file)))
    assert without.returncode != 0 and "SECRET_KEY is not set" in without.stderr
    dotenv.create(env_file)
    env = new_shell_env(ACORN_ENV_FILE=str(env_file), SQLITE_PATH=str(db))
    checked = python(["manage.py", "check"], env)
    assert checked.returncode == 0, checked.stderr
    done = python(["manage.py", "shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)"], env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == dotenv.parse(env_file.read_text())["SECRET_KEY"]


# --- collectstatic ------------------------------------------------------------------------------

PAGE = """
import acorn_portal.wsgi
from django.test import Client
response = Client().get("/admin/login/", secure=True, HTTP_HOST="acorn.example.com")
print(response.status_code)
print(response.content.decode())
"""


def test_production_web_server_refuses_to_start_until_static_files_are_collected(tmp_path):
    env = production_env(ACORN_STATIC_ROOT=str(tmp_path / "static"))
    before = python(PAGE, env)
    assert before.returncode != 0
    assert "Static files have not been collected" in before.stderr
    assert "python manage.py collectstatic --noinput" in before.stderr
    collected = python(["manage.py", "collectstatic", "--noinput", "-v0"], env, timeout=300)
    assert collected.returncode == 0, collected.stderr
    after = python(PAGE, env)
    assert after.returncode == 0, after.stderr
    status, body = after.stdout.split("\n", 1)
    assert status == "200"
    # The page links the hashed copy collectstatic wrote, which exists.
    linked = re.search(r"/static/(admin/css/base\.[0-9a-f]{12}\.css)", body)
    assert linked and (tmp_path / "static" / linked.group(1)).is_file()


# --- .env.example -------------------------------------------------------------------------------


def test_env_example_documents_every_variable_the_settings_read():
    sources = [ROOT / "acorn_portal" / "settings.py", ROOT / "acorn_portal" / "dotenv.py"]
    sources += (ROOT / "acorn_portal" / "management" / "commands").glob("*.py")
    read = set()
    for path in sources:
        text = path.read_text()
        read |= set(re.findall(r'env_(?:str|int|bool|list)\(\s*"([A-Z][A-Z0-9_]+)"', text))
        read |= set(re.findall(r'os\.environ(?:\.get)?[\(\[]\s*"([A-Z][A-Z0-9_]+)"', text))
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert {"REDIS_URL", "ACORN_ENV_FILE", "DB_CONN_HEALTH_CHECKS"} <= read
    assert read - {"DJANGO_SETTINGS_MODULE"} <= documented, sorted(read - documented)


# --- run_portal --production ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, debug, message",
    [
        (["--production"], True, "ACORN_DEBUG on"),
        (["--production", "--simulator-port", "8765"], False, "simulator"),
        (["--workers", "0"], False, "at least 1"),
    ],
)
def test_run_portal_refuses_what_production_must_not_run(settings, args, debug, message):
    from django.core.management import CommandError, call_command

    settings.DEBUG = debug
    with pytest.raises(CommandError, match=message):
        call_command("run_portal", *args)
