"""Start-up refuses bad configuration with a message that says what to fix."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from acorn_portal.env import database_from_url, env_bool, env_int


def start_django(**env):
    """Import the real settings in a fresh interpreter, as `manage.py` would."""
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ACORN_ENCRYPTION_KEYS", "ACORN_DEBUG"}}
    clean.update(env, DJANGO_SETTINGS_MODULE="acorn_portal.settings")
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_secret_key_stops_with_a_clear_message():
    result = start_django(ACORN_ENCRYPTION_KEYS="x3dlfUjLy_wMu4-FkqD1h6rbYSF2dX0xX0aaLq6v3OU=")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_without_encryption_key_stops_with_a_clear_message():
    result = start_django(SECRET_KEY="s" * 50)
    assert result.returncode != 0
    assert "ACORN_ENCRYPTION_KEYS is not set" in result.stderr


def test_debug_starts_without_keys():
    result = start_django(ACORN_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_malformed_database_url_stops_start_up():
    result = start_django(ACORN_DEBUG="1", DATABASE_URL="localhost:5432/acorn")
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr and "malformed" in result.stderr


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "malformed"),
        ("mysql://root@localhost/acorn", "scheme 'mysql'"),
        ("postgres://postgres@127.0.0.1:5432", "names no database"),
        ("postgres://postgres@127.0.0.1:notaport/acorn", "malformed"),
    ],
)
def test_database_url_errors_name_the_problem(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        database_from_url(url)


def test_database_url_switches_to_postgresql():
    config = database_from_url("postgres://postgres@127.0.0.1:5432/acorn")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "acorn"
    assert config["HOST"] == "127.0.0.1"


def test_typed_env_helpers_fail_loudly(monkeypatch):
    monkeypatch.setenv("ACORN_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="ACORN_FLAG='maybe' is not a boolean"):
        env_bool("ACORN_FLAG")
    monkeypatch.setenv("ACORN_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="ACORN_NUMBER='ten' is not an integer"):
        env_int("ACORN_NUMBER", 1)
    monkeypatch.setenv("ACORN_FLAG", "yes")
    assert env_bool("ACORN_FLAG") is True


def test_sqlite_default_uses_wal_and_immediate_transactions():
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("SQLite settings only apply to the embedded default")
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]
