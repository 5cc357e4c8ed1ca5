"""A local `.env` file for one checkout: read by manage.py and the WSGI entry point, written by `make run`.

Settings read only the environment; this fills in what the environment does not set, from
`KEY=VALUE` lines (`#` comments, optional quotes), so that `manage.py …` in a new shell uses the same
secrets as `make run`. The file is generated once with fresh secrets, is gitignored and never
committed. `ACORN_ENV_FILE` names another file; set it empty to read none (production reads the
process manager's environment only).

    python -m acorn_portal.dotenv        # create .env unless it exists (make run does this)
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# The key the demo used before it had a .env (derived from DEBUG's fallback SECRET_KEY in settings):
# kept as a second, decrypt-only key so an existing demo database's credentials still open.
_OLD_DEMO_SECRET = "insecure-dev-only-key-acorn-demo"  # noqa: S105 - the published demo fallback


def env_file_path() -> Path | None:
    value = os.environ.get("ACORN_ENV_FILE")
    if value is None:
        return BASE_DIR / ".env"
    return Path(value) if value.strip() else None


def parse(text: str) -> dict[str, str]:
    """KEY=VALUE lines; blank lines and `#` comments skipped; one pair of surrounding quotes removed."""
    values = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].strip()
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ValueError(f"line {number} is not KEY=VALUE: {raw!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[name] = value
    return values


def load(path: Path | None = None) -> dict[str, str]:
    """Put the file's variables into os.environ where the environment does not set them; returns those set."""
    path = path if path is not None else env_file_path()
    if path is None or not path.is_file():
        return {}
    try:
        values = parse(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise SystemExit(f"{path}: {exc}") from None
    added = {name: value for name, value in values.items() if name not in os.environ}
    os.environ.update(added)
    return added


def render_new(*, keep_old_demo_key: bool) -> str:
    from cryptography.fernet import Fernet

    keys = [Fernet.generate_key().decode()]
    if keep_old_demo_key:
        keys.append(base64.urlsafe_b64encode(hashlib.sha256(_OLD_DEMO_SECRET.encode()).digest()).decode())
    return (
        "# This checkout's local settings, generated once by `make run` (python -m acorn_portal.dotenv).\n"
        "# Never commit it (it is in .gitignore). manage.py and the web server read it; variables set in\n"
        "# the environment win. .env.example lists every variable.\n"
        "ACORN_DEBUG=1\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
        f"ACORN_ENCRYPTION_KEYS={','.join(keys)}\n"
    )


def create(path: Path | None = None) -> bool:
    """Write a new file with generated secrets unless one exists; True when written."""
    path = path or BASE_DIR / ".env"
    if path.exists():
        return False
    keep_old = (BASE_DIR / "var" / "acorn.sqlite3").exists()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # secrets: readable by the owner only
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(render_new(keep_old_demo_key=keep_old))
    return True


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    if create(target):
        print(f"Wrote {target or BASE_DIR / '.env'} with generated secrets (gitignored; keep it out of commits).")
