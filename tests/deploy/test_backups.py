"""Backups: dump the database, restore it into an empty one, and the portal serves the same cases.

The restore runs as an operator would run it (manage.py restore_database in its own process) and
the restored database is served by gunicorn, read through the API with the same key.
"""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.datasources.simtools import make_sources, sim_options, sync_until_done
from tests.deploy import processes as p
from tests.developer.conftest import client_for, make_key


def served_cases(get) -> list[tuple]:
    """Every case the API lists, page by page: (id, amazon id, state, amount, currency)."""
    rows, url = [], "/api/v1/chargebacks/?page_size=200"
    while url:
        page = get(url)
        rows += [
            (r["id"], r["amazon_id"], r["state"], r["amount"]["amount"], r["amount"]["currency"])
            for r in page["results"]
        ]
        url = page["next"] and page["next"].split("//", 1)[-1].split("/", 1)[-1]
        url = url and "/" + url
    return sorted(rows)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_dump_restore_into_an_empty_database_serves_the_same_cases(org, account, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("backup_database and restore_database work on PostgreSQL")
    from simulator.server import serve

    with serve(**sim_options()) as sim:
        make_sources(account, sim.base_url)
        sync_until_done(account)  # the cases come in the way they always do: synced
    key, secret = make_key(org)
    api = client_for(secret)
    before = served_cases(lambda url: api.get(url).json())
    assert len(before) > 10

    backup = tmp_path / "acorn.dump"
    out = StringIO()
    call_command("backup_database", str(backup), stdout=out)
    assert "Wrote" in out.getvalue() and backup.stat().st_size > 0

    restored = f"{connection.settings_dict['NAME']}_restored"
    admin = connection.cursor()
    admin.execute(f'DROP DATABASE IF EXISTS "{restored}"')
    admin.execute(f'CREATE DATABASE "{restored}"')
    web = None
    try:
        env = p.process_env(DATABASE_URL=p.database_url().rsplit("/", 1)[0] + f"/{restored}", REDIS_URL="")
        done = p.Process("restore", ["manage.py", "restore_database", str(backup), "--yes"], env, tmp_path)
        assert done.popen.wait(timeout=300) == 0, done.output()
        port = p.free_port()
        web = p.web("restored-web", port, env, tmp_path)
        base = f"http://127.0.0.1:{port}"
        p.wait_until(lambda: p.answers(f"{base}/api/v1/"), timeout=90, what=f"gunicorn: {web.output()}")

        def get(url):
            status, _, body = p.http("GET", base + url, key=secret)
            assert status == 200, body
            return json.loads(body)

        assert served_cases(get) == before
    finally:
        if web:
            web.stop()
        admin.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')


def test_backup_never_overwrites_and_restore_needs_confirmation(tmp_path, db):
    existing = tmp_path / "old.dump"
    existing.write_bytes(b"an earlier backup")
    with pytest.raises(CommandError, match="never overwritten|need PostgreSQL"):
        call_command("backup_database", str(existing), stdout=StringIO())
    assert existing.read_bytes() == b"an earlier backup"
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore_database", str(existing), stdout=StringIO())


def test_on_sqlite_the_commands_say_what_to_do_instead(tmp_path, db):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite message")
    with pytest.raises(CommandError, match="SQLITE_PATH"):
        call_command("backup_database", str(tmp_path / "new.dump"), stdout=StringIO())
