"""The simulator and its answer key are a demo app: production settings and schema leave them out."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "acorn_portal.settings",
    "ACORN_DEBUG": "0",
    "SECRET_KEY": "a-production-like-secret-key-for-this-test-only-0123456789",
    "ACORN_ENCRYPTION_KEYS": "x3dlfUjLy_wMu4-FkqD1h6rbYSF2dX0xX0aaLq6v3OU=",
    "ALLOWED_HOSTS": "acorn.example.com",
}


def _run(env: dict, *args: str) -> subprocess.CompletedProcess:
    dropped = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "ACORN_SIMULATOR"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=300
    )


def _installed(env: dict) -> list[str]:
    code = "import django; django.setup(); from django.conf import settings; print('\\n'.join(settings.INSTALLED_APPS))"
    result = _run(env, "-c", code)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_production_settings_leave_the_simulator_out():
    installed = _installed(PRODUCTION_ENV)
    assert "datasources.apps.DatasourcesConfig" in installed
    assert not [app for app in installed if app.startswith("simulator")]


def test_debug_and_explicit_demo_settings_install_it():
    assert "simulator.apps.SimulatorConfig" in _installed({**PRODUCTION_ENV, "ACORN_DEBUG": "1"})
    assert "simulator.apps.SimulatorConfig" in _installed({**PRODUCTION_ENV, "ACORN_SIMULATOR": "1"})


def test_the_test_settings_install_it_with_its_answer_key():
    assert apps.is_installed("simulator")
    assert apps.get_model("simulator", "SimulatedTruth")._meta.db_table == "simulator_simulatedtruth"


def test_a_production_schema_has_no_answer_key(tmp_path):
    database = tmp_path / "production.sqlite3"
    result = _run({**PRODUCTION_ENV, "DATABASE_URL": f"sqlite:///{database}"}, "manage.py", "migrate", "--noinput")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "datasources_datasource" in tables  # the migrations ran
    assert not {t for t in tables if "simulat" in t}


def test_production_has_no_demo_commands():
    result = _run(PRODUCTION_ENV, "manage.py", "help", "--commands")
    assert result.returncode == 0, result.stderr
    commands = set(result.stdout.split())
    assert "sync_account" in commands
    assert not commands & {"seed_demo", "simulate_vendor_central"}
