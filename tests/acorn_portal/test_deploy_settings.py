"""Production settings pass Django's deployment checklist, and the portal's pages send the headers.

The subprocess tests load acorn_portal.settings (not the test settings) with the environment a
production deployment has, exactly as `make check-deploy` does in CI.
"""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.test import RequestFactory, override_settings
from django.urls import reverse

from acorn_portal.services.audit import client_address
from tests.conftest import PASSWORD

ROOT = Path(settings.BASE_DIR)


def production_env(**overrides) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACORN_", "DJANGO_", "SESSION_", "CSRF_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="acorn_portal.settings",
        ACORN_ENV_FILE="",  # not this checkout's local .env
        ACORN_DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ACORN_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="acorn.example.com",
        SQLITE_PATH=str(ROOT / "var" / "check-deploy-unused.sqlite3"),
    )
    env.update(overrides)
    return env


def run(args, env):
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def settings_value(env, *names) -> list[str]:
    code = "import django; django.setup(); from django.conf import settings; " + "; ".join(
        f"print(repr(getattr(settings, {name!r}, None)))" for name in names
    )
    done = subprocess.run(  # noqa: S603 - a fixed snippet reading settings
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return done.stdout.splitlines()


def test_check_deploy_is_clean_with_production_settings():
    done = run(["check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARNINGS" not in done.stderr + done.stdout
    assert "no issues" in done.stdout


def test_check_deploy_is_clean_behind_a_proxy_too():
    done = run(["check", "--deploy", "--fail-level", "WARNING"], production_env(ACORN_BEHIND_PROXY="1"))
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("overrides", "warning"),
    [
        ({"ACORN_HSTS_SECONDS": "0"}, "security.W004"),
        ({"ACORN_SSL_REDIRECT": "0"}, "security.W008"),
        ({"SESSION_COOKIE_SECURE": "0"}, "security.W012"),
        ({"SECRET_KEY": "short"}, "security.W009"),
    ],
)
def test_check_deploy_catches_a_weakened_setting(overrides, warning):
    """The check is not vacuous: loosening one setting fails it."""
    done = run(["check", "--deploy", "--fail-level", "WARNING"], production_env(**overrides))
    assert done.returncode != 0
    assert warning in done.stderr + done.stdout


def test_production_values():
    names = (
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
        "SESSION_COOKIE_AGE",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE",
        "ACORN_2FA_EXEMPT_DEMO",
        "SECURE_REFERRER_POLICY",
    )
    values = dict(zip(names, settings_value(production_env(), *names), strict=True))
    assert values == {
        "DEBUG": "False",
        "SESSION_COOKIE_SECURE": "True",
        "CSRF_COOKIE_SECURE": "True",
        "SECURE_SSL_REDIRECT": "True",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "True",
        "SECURE_HSTS_PRELOAD": "False",
        "SECURE_PROXY_SSL_HEADER": "None",
        "SESSION_COOKIE_AGE": "28800",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": "True",
        "ACORN_2FA_EXEMPT_DEMO": "False",
        "SECURE_REFERRER_POLICY": "'same-origin'",
    }


def test_the_proxy_header_is_trusted_only_when_asked():
    proxied = settings_value(
        production_env(ACORN_BEHIND_PROXY="1", ACORN_HSTS_SECONDS="600"), "SECURE_PROXY_SSL_HEADER"
    )
    assert proxied == ["('HTTP_X_FORWARDED_PROTO', 'https')"]
    preload = settings_value(production_env(ACORN_HSTS_PRELOAD="1"), "SECURE_HSTS_PRELOAD", "SILENCED_SYSTEM_CHECKS")
    assert preload == ["True", "[]"], "with preload on, nothing is silenced"


def test_the_demo_exemption_follows_debug():
    demo = {
        k: v for k, v in production_env(ACORN_DEBUG="1").items() if k not in ("SECRET_KEY", "ACORN_ENCRYPTION_KEYS")
    }
    assert settings_value(demo, "ACORN_2FA_EXEMPT_DEMO", "SECURE_SSL_REDIRECT") == ["True", "False"]


# --------------------------------------------------------------------------------------------------
# Headers on the portal's own responses


@pytest.mark.django_db
def test_security_headers_on_a_page(client):
    response = client.get(reverse("admin:login"), secure=True)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and "unsafe" not in csp
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.django_db
def test_session_cookie_is_http_only_and_ends_with_the_browser(client, ops):
    response = client.post(reverse("admin:login"), {"username": "olivia", "password": PASSWORD})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True and cookie["samesite"] == "Lax"
    assert not cookie["max-age"], "no persistent session cookie: it ends when the browser closes"


# --------------------------------------------------------------------------------------------------
# Our templates keep to the policy: a guard for templates added later


TEMPLATE_DIRS = [p for p in ROOT.glob("*/templates") if p.is_dir()] + [ROOT / "templates"]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)


def our_templates():
    return sorted(path for folder in TEMPLATE_DIRS if folder.exists() for path in folder.rglob("*.html"))


def test_templates_were_found():
    names = {path.name for path in our_templates()}
    assert {"case.html", "setup.html", "verify.html"} <= names


@pytest.mark.parametrize("path", our_templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_inline_script_handler_or_style_in_our_templates(path):
    text = path.read_text()
    assert not INLINE_SCRIPT.search(text), f"{path}: inline <script>; move it to a static file (CSP script-src 'self')"
    assert not EVENT_HANDLER.search(text), f"{path}: inline event handler; bind it from a static script"
    assert not INLINE_STYLE.search(text), f"{path}: inline style; put it in a static stylesheet (CSP style-src 'self')"


# --------------------------------------------------------------------------------------------------
# The client address the audit trail and the lockout use


def test_client_address_ignores_forwarded_for_unless_behind_the_proxy():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    assert client_address(request) == "10.0.0.2"
    with override_settings(ACORN_BEHIND_PROXY=True):
        assert client_address(request) == "203.0.113.5", "only the entry our proxy appended counts"
        garbage = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-address")
        assert client_address(garbage) == "10.0.0.2"
