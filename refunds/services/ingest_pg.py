"""PostgreSQL fast path for chargeback facts: COPY, one set-based upsert, set-based history.

Why a second path: `bulk_create(update_conflicts=True)` and simple-history's bulk helpers spend
most of a sync in Python, adapting every value of every row through Django's field machinery and
comparing rows one by one. Here the validated rows are COPYed into a session-local staging table
and the database does the rest in two statements per batch:

1. `INSERT … SELECT … ON CONFLICT (account_id, amazon_id) DO UPDATE SET <facts> WHERE (<facts>)
   IS DISTINCT FROM (<new facts>) RETURNING id, (xmax = 0)`: unchanged rows are neither written
   nor returned, so a re-sync writes only what changed; workflow columns are never in the SET list.
2. `INSERT INTO <history table> SELECT … FROM refunds_chargeback JOIN <returned ids>`: one
   historical row per created ('+') or changed ('~') chargeback, copied from the row as it now is,
   with the same date, reason and user the ORM path writes (LIBRARIES.md trap 3: sync owns these
   facts, and people must still be able to audit every change of them).

Validation stays in `refunds.services.ingest` (this module receives valid rows only), so the two
paths accept and refuse exactly the same records; tests compare their results row by row.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import connection
from django.utils import timezone

from refunds.models import Chargeback

STAGE_TABLE = "acorn_chargeback_stage"


@dataclass(frozen=True)
class _Plan:
    """Column lists and SQL for one schema, built once per process."""

    staged: tuple[str, ...]  # attnames COPYed: the natural key, then the facts
    create_stage: str
    copy: str
    upsert: str  # the upsert alone, without RETURNING
    returning: str  # the upsert returning (id, inserted) of the rows it wrote
    with_history: str  # the same, also writing a history row per written row (one statement)
    defaults: tuple  # values for the other (workflow) columns of a new row, in `upsert` order


def available() -> bool:
    """Whether the default database can take the fast path (the embedded SQLite keeps the ORM path)."""
    return connection.vendor == "postgresql"


@cache
def _plan() -> _Plan:
    opts = Chargeback._meta
    qn = connection.ops.quote_name
    by_name = {f.name: f for f in opts.concrete_fields}
    staged = ("amazon_id", *Chargeback.FACT_FIELDS)
    facts = [by_name[name].column for name in Chargeback.FACT_FIELDS]
    skip = {"id", "account", "created_at", "updated_at", *staged}
    others = [f for f in opts.concrete_fields if f.name not in skip]
    stage_columns = ", ".join(f"{qn(by_name[n].column)} {by_name[n].db_type(connection)}" for n in staged)
    staged_columns = ", ".join(qn(by_name[n].column) for n in staged)
    insert_columns = ", ".join(
        ["account_id", staged_columns, "created_at", "updated_at", *(qn(f.column) for f in others)]
    )
    # New rows get the model's defaults for workflow columns (Django keeps defaults in Python, not in the schema).
    default_values = ", ".join(f"%s::{f.db_type(connection)}" for f in others)
    old = ", ".join(f"t.{qn(c)}" for c in facts)
    new = ", ".join(f"EXCLUDED.{qn(c)}" for c in facts)
    upsert = f"""
        INSERT INTO {qn(opts.db_table)} AS t ({insert_columns})
        SELECT %s, {", ".join(f"s.{qn(by_name[n].column)}" for n in staged)}, %s, %s
               {", " + default_values if others else ""}
        FROM {STAGE_TABLE} s
        ON CONFLICT (account_id, {qn(by_name["amazon_id"].column)}) DO UPDATE
        SET {", ".join(f"{qn(c)} = EXCLUDED.{qn(c)}" for c in facts)}, updated_at = EXCLUDED.updated_at
        WHERE ({old}) IS DISTINCT FROM ({new})"""  # noqa: S608 - identifiers come from model metadata
    return _Plan(
        staged=staged,
        create_stage=f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE_TABLE} ({stage_columns}) ON COMMIT DELETE ROWS",
        copy=f"COPY {STAGE_TABLE} ({staged_columns}) FROM STDIN",
        upsert=upsert,
        returning=upsert + "\n        RETURNING t.id, (t.xmax = 0) AS inserted",
        with_history=_with_history_sql(upsert),
        defaults=tuple(f.get_db_prep_save(f.get_default(), connection) for f in others),
    )


def _with_history_sql(upsert: str) -> str:
    """The upsert and its history rows in one statement: the history is copied from what RETURNING gives.

    RETURNING yields each written row as it now is (workflow columns included), so no second read
    of the table and no round trip of ids are needed.
    """
    history = Chargeback.history.model
    qn = connection.ops.quote_name
    live = {f.column for f in Chargeback._meta.concrete_fields}
    copied = [qn(f.column) for f in history.tracked_fields if f.column in live]
    return f"""
        WITH written AS ({upsert}
            RETURNING {", ".join(f"t.{c}" for c in copied)}, (t.xmax = 0) AS inserted
        ), logged AS (
            INSERT INTO {qn(history._meta.db_table)}
                   ({", ".join(copied)}, history_date, history_change_reason, history_type, history_user_id)
            SELECT {", ".join(copied)}, %s, %s, CASE WHEN inserted THEN '+' ELSE '~' END, %s
            FROM written ORDER BY id
        )
        SELECT id, inserted FROM written"""  # noqa: S608 - identifiers come from model metadata


def write_chargebacks(account, rows: list[dict], *, change_reason: str, actor) -> tuple[list[int], list[int]]:
    """Upsert validated fact rows of one account; the ids created and the ids whose facts changed.

    Runs inside the caller's transaction. Unchanged rows are not touched and get no history row.
    """
    plan = _plan()
    now = timezone.now()
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor: Django's wrapper has no COPY
        raw.execute(plan.create_stage)
        # Inside one outer transaction (a file import, tests) ON COMMIT has not emptied it yet. DELETE,
        # not TRUNCATE: on the usual empty table it costs nothing, TRUNCATE rewrites catalog rows.
        raw.execute(f"DELETE FROM {STAGE_TABLE}")  # noqa: S608 - a constant
        with raw.copy(plan.copy) as copy:
            for values in rows:
                copy.write_row([values[name] for name in plan.staged])
        params = (account.pk, now, now, *plan.defaults)
        if getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            user = actor or Chargeback.history.model.get_default_history_user(Chargeback())
            raw.execute(plan.with_history, (*params, now, change_reason, getattr(user, "pk", None)))
        else:
            raw.execute(plan.returning, params)
        written = raw.fetchall()
    created = [pk for pk, is_new in written if is_new]
    changed = [pk for pk, is_new in written if not is_new]
    return created, changed


def announce_created(account, chargeback_ids: list[int]) -> int:
    """`chargeback.created` for new rows in one INSERT … SELECT, in the caller's transaction.

    The same payload as `ingest.announce_created` builds in Python (tests compare the two), made by
    the database: the amount at its currency's precision, the date as ISO text.
    """
    if not chargeback_ids:
        return 0
    from acorn_portal.models import OutboxEvent
    from acorn_portal.money import CURRENCY_DECIMALS

    qn = connection.ops.quote_name
    places = " ".join(f"WHEN '{code}' THEN {digits}" for code, digits in CURRENCY_DECIMALS.items())
    sql = f"""
        INSERT INTO {qn(OutboxEvent._meta.db_table)}
               (organization_id, name, object_type, object_id, payload, created_at)
        SELECT %s, 'chargeback.created', 'refunds.chargeback', c.id::text,
               jsonb_build_object(
                   'amazon_id', c.amazon_id, 'family', c.family, 'deduction_type', c.deduction_type,
                   'amount', round(c.amount, CASE c.currency {places} ELSE 4 END)::text,
                   'currency', c.currency, 'issue_date', to_char(c.issue_date, 'YYYY-MM-DD'),
                   'po_number', c.po_number, 'asin', c.asin, 'invoice_number', c.invoice_number,
                   'account_id', %s::bigint, 'marketplace', %s::text, 'state', 'new'),
               %s
        FROM {qn(Chargeback._meta.db_table)} c
        WHERE c.id = ANY(%s)
        ORDER BY c.id"""  # noqa: S608 - identifiers from model metadata, codes from our own table
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [account.organization_id, account.pk, account.marketplace, timezone.now(), list(chargeback_ids)]
        )
        return cursor.rowcount
