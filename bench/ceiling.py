"""The ceiling for the ingest bench: raw psycopg COPY + `INSERT … ON CONFLICT`, nothing else.

It COPYs each batch into the fast path's staging table (refunds.services.ingest_pg, same columns,
same COPY) and upserts it the textbook way into a copy of the chargeback table's shape,
`bench_ceiling` (`LIKE … INCLUDING ALL` for columns, indexes and check constraints, then the
foreign keys, which `LIKE` leaves out), with no validation, no Django per row and no history: what
the database and psycopg can do on this machine, so the real path can be judged as a share of it.

Why the foreign keys: each inserted row is checked against its account (and its six workflow
references, NULL at first) when the transaction commits, about 7 ms per 1,000 rows here. A table
without them is not one the application could load into; `foreign_keys=False` measures it anyway.
"""

from __future__ import annotations

from functools import cache

from django.db import connection, transaction
from django.utils import timezone

from refunds.identifiers import normalize_po_number
from refunds.models import Chargeback
from refunds.services import ingest_pg

TABLE = "bench_ceiling"


def create_ceiling_table(*, foreign_keys: bool = True) -> None:
    """A fresh, empty table with the chargeback table's columns, indexes and constraints."""
    source = Chargeback._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(f"CREATE TABLE {TABLE} (LIKE {source} INCLUDING ALL)")
        if not foreign_keys:
            return
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
            [source],
        )
        for (definition,) in cursor.fetchall():
            cursor.execute(f"ALTER TABLE {TABLE} ADD {definition}")


@cache
def _upsert_sql() -> str:
    """The textbook upsert: insert the staged rows, update those whose facts differ."""
    plan = ingest_pg._plan()
    facts = [Chargeback._meta.get_field(name).column for name in Chargeback.FACT_FIELDS]
    return f"""
        INSERT INTO {TABLE} AS t ({plan.insert_columns})
        SELECT {plan.insert_values} FROM {ingest_pg.STAGE_TABLE} s
        ON CONFLICT (account_id, amazon_id) DO UPDATE
        SET {", ".join(f"{c} = EXCLUDED.{c}" for c in facts)}, updated_at = EXCLUDED.updated_at
        WHERE ({", ".join(f"t.{c}" for c in facts)}) IS DISTINCT FROM ({", ".join(f"EXCLUDED.{c}" for c in facts)})"""  # noqa: S608


def load_batch(account_id: int, records: list) -> int:
    """COPY one batch of records and upsert it in one transaction; the number of rows written."""
    plan = ingest_pg._plan()
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute(plan.prepare_stage)
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
        raw.execute(_upsert_sql(), {"account": account_id, "now": now, **plan.defaults})
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
