"""The ceiling for the ingest bench: raw psycopg COPY + `INSERT … ON CONFLICT`, nothing else.

It runs the fast path's own statements (refunds.services.ingest_pg) against a copy of the
chargeback table's shape, `bench_ceiling` (`LIKE … INCLUDING ALL`: same columns, indexes and
constraints), with no validation, no Django per row and no history: what the database and psycopg
can do on this machine, so the real path can be judged as a share of it.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from refunds.identifiers import normalize_po_number
from refunds.models import Chargeback
from refunds.services import ingest_pg

TABLE = "bench_ceiling"


def create_ceiling_table() -> None:
    """A fresh, empty table with the chargeback table's columns, indexes and constraints."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(f"CREATE TABLE {TABLE} (LIKE {Chargeback._meta.db_table} INCLUDING ALL)")


def _upsert_sql() -> str:
    plan = ingest_pg._plan()
    sql = plan.upsert.replace(f'INSERT INTO "{Chargeback._meta.db_table}"', f"INSERT INTO {TABLE}", 1)
    return sql


def load_batch(account_id: int, records: list) -> int:
    """COPY one batch of records and upsert it in one transaction; the number of rows written."""
    plan = ingest_pg._plan()
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute(plan.create_stage)
        with raw.copy(plan.copy) as copy:
            for r in records:
                copy.write_row(
                    (
                        r.amazon_id,
                        *(
                            normalize_po_number(r.po_number) if name == "po_number_normalized" else getattr(r, name)
                            for name in Chargeback.FACT_FIELDS
                        ),
                    )
                )
        raw.execute(_upsert_sql(), (account_id, now, now, *plan.defaults))
        return raw.rowcount


def table_counts() -> dict[str, int]:
    """Rows in the chargeback table, its history and the ceiling's copy: what the run left behind."""
    tables = [Chargeback._meta.db_table, Chargeback.history.model._meta.db_table, TABLE]
    with connection.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    return counts
