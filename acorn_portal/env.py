"""Typed readers for environment variables that fail loudly on bad values.

Settings are configuration, not code: every variable read here is documented in `.env.example`.
"""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None else value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean; use one of 1/0, true/false, yes/no, on/off.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def database_from_url(url: str, *, conn_max_age: int = 60, conn_health_checks: bool = True) -> dict:
    """Parse DATABASE_URL into a Django DATABASES entry, naming what is wrong when it is malformed."""
    import dj_database_url

    if "://" not in url:
        raise ImproperlyConfigured(
            f"DATABASE_URL={url!r} is malformed: expected e.g. postgres://user@host:5432/dbname or sqlite:///path.db"
        )
    scheme = url.split("://", 1)[0]
    if scheme not in {"postgres", "postgresql", "pgsql", "sqlite"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL uses the scheme {scheme!r}; ACORN supports postgres:// and sqlite:// only."
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=conn_health_checks)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from None
    if not config.get("NAME"):
        raise ImproperlyConfigured("DATABASE_URL names no database: add /dbname at the end.")
    return config
