"""Backups of the PostgreSQL database with PostgreSQL's own tools (pg_dump, pg_restore).

A custom-format dump holds the schema, every row and the django-q2 schedules; evidence files live in
MEDIA_ROOT and are backed up beside it (README "Backups"). The commands read the connection from
the same settings the portal uses, so an operator never copies a password into a command line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from django.db import connections


class BackupError(Exception):
    """A dump or restore could not be made; the message says why."""


def _libpq(alias: str = "default") -> tuple[dict, str]:
    """(environment for pg_dump/pg_restore, database name) from the Django connection settings."""
    db = connections[alias].settings_dict
    if not db["ENGINE"].endswith("postgresql"):
        raise BackupError(
            "Backups by these commands need PostgreSQL (DATABASE_URL=postgres://...). For the SQLite demo, "
            "copy the file named by SQLITE_PATH while the portal is stopped."
        )
    env = {**os.environ, "PGHOST": db.get("HOST") or "127.0.0.1", "PGPORT": str(db.get("PORT") or 5432)}
    if db.get("USER"):
        env["PGUSER"] = db["USER"]
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env, db["NAME"]


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(f"{name} is not installed: apt-get install postgresql-client (the same major version).")
    return path


def dump(path: Path, alias: str = "default") -> int:
    """Write a custom-format dump to `path` (a new file); returns its size in bytes."""
    env, name = _libpq(alias)
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} exists; give a new file name (a backup is never overwritten).")
    partial = path.with_name(path.name + ".partial")
    done = subprocess.run(  # noqa: S603 - fixed tool, arguments from settings
        [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial), name],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    partial.rename(path)  # only a complete dump gets the name
    return path.stat().st_size


def restore(path: Path, alias: str = "default") -> None:
    """Restore `path` into the configured database, replacing what its objects hold (--clean)."""
    env, name = _libpq(alias)
    if not Path(path).is_file():
        raise BackupError(f"{path} is not a file.")
    done = subprocess.run(  # noqa: S603 - fixed tool, arguments from settings
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            name,
            str(path),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed (nothing was changed): {done.stderr.strip()}")
