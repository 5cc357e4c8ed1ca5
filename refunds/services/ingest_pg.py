"""PostgreSQL fast path for chargeback facts: COPY, one set-based upsert, set-based history.

Why a second path: `bulk_create(update_conflicts=True)` and simple-history's bulk helpers spend
most of a sync in Python, adapting every value of every row through Django's field machinery and
comparing rows one by one. Here the validated rows are COPYed into a session-local staging table
and the database does the rest, per batch (`sync_chargebacks`):

1. `INSERT INTO <before> SELECT … FROM refunds_chargeback JOIN <stage> … FOR UPDATE`: the rows
   whose facts are about to change are locked and their dashboard-rollup contributions kept in a
   second session-local table (nothing crosses to Python); new ids find nothing here.
2. One statement (data-modifying CTEs) around the upsert `INSERT … SELECT … ON CONFLICT
   (account_id, amazon_id) DO UPDATE SET <facts> WHERE (<facts>) IS DISTINCT FROM (<new facts>)
   RETURNING …`: unchanged rows are neither written nor returned, so a re-sync writes only what
   changed, and workflow columns are never in the SET list. From what RETURNING gives (each
   written row as it now is) the same statement writes
   - one historical row per created ('+') or changed ('~') chargeback, with the same date, reason
     and user the ORM path writes (LIBRARIES.md trap 3: sync owns these facts, and people must
     still be able to audit every change of them);
   - `chargeback.created` in the outbox for each inserted row, its payload built in SQL;
   - the rollup deltas: new contributions minus the kept old ones, `GROUP BY` the rollup key,
     `INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n` into each of the three tables.
   All of it in the caller's transaction: the rows, their events and the rollups commit together.

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
BEFORE_TABLE = "acorn_chargeback_before"


@dataclass(frozen=True)
class _Plan:
    """Column lists and SQL for one schema, built once per process."""

    staged: tuple[str, ...]  # attnames COPYed: the natural key, then the facts
    create_stage: str
    copy: str
    upsert: str  # the upsert alone, without RETURNING
    defaults: tuple  # values for the other (workflow) columns of a new row, in `upsert` order
    create_before: str  # the session-local table holding the rollup contributions of rows about to change
    lock_before: str  # locks the rows the upsert will change and keeps their contributions
    synced: str  # upsert + history + `chargeback.created` + rollup deltas, one statement
    synced_without_history: str  # the same for SIMPLE_HISTORY_ENABLED = False


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
    key = qn(by_name["amazon_id"].column)
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
        defaults=tuple(f.get_db_prep_save(f.get_default(), connection) for f in others),
        create_before=f"""
        CREATE TEMPORARY TABLE IF NOT EXISTS {BEFORE_TABLE} ON COMMIT DELETE ROWS AS
        SELECT id, {", ".join(qn(c) for c in _snapshot_columns())} FROM {qn(opts.db_table)}
        WITH NO DATA""",  # noqa: S608 - identifiers come from model metadata
        # LATERAL: one unique-index probe per staged key, whatever the table's size (a plain join on
        # the unanalysed temp table may be planned as a hash join over the whole chargeback table).
        # Rows are locked in staging order, the order the upsert then writes them in.
        lock_before=f"""
        INSERT INTO {BEFORE_TABLE} (id, {", ".join(qn(c) for c in _snapshot_columns())})
        SELECT c.*
        FROM {STAGE_TABLE} s CROSS JOIN LATERAL (
            SELECT c.id, {", ".join(f"c.{qn(c)}" for c in _snapshot_columns())}
            FROM {qn(opts.db_table)} c
            WHERE c.account_id = %s AND c.{key} = s.{key}
              AND ({", ".join(f"c.{qn(col)}" for col in facts)})
                  IS DISTINCT FROM ({", ".join(f"s.{qn(col)}" for col in facts)})
            FOR UPDATE
        ) c""",  # noqa: S608 - identifiers come from model metadata
        synced=_synced_sql(upsert, history=True),
        synced_without_history=_synced_sql(upsert, history=False),
    )


def _snapshot_columns() -> list[str]:
    """The chargeback columns the dashboard rollups read (`refunds.services.stats.SNAPSHOT_FIELDS`)."""
    from refunds.services.stats import SNAPSHOT_FIELDS

    by_attname = {f.attname: f for f in Chargeback._meta.concrete_fields}
    return [by_attname[name].column for name in SNAPSHOT_FIELDS]


_ANNOUNCED_COLUMNS = (
    "amazon_id",
    "family",
    "deduction_type",
    "amount",
    "currency",
    "issue_date",
    "po_number",
    "asin",
    "invoice_number",
)


def _created_payload_sql(alias: str) -> str:
    """The `chargeback.created` payload of row `alias`, built by the database (params: account id, marketplace).

    The same payload as `ingest.announce_created` builds in Python (tests compare the two): the
    amount at its currency's precision, the date as ISO text.
    """
    from acorn_portal.money import CURRENCY_DECIMALS

    c = alias
    places = " ".join(f"WHEN '{code}' THEN {digits}" for code, digits in CURRENCY_DECIMALS.items())
    return f"""jsonb_build_object(
                   'amazon_id', {c}.amazon_id, 'family', {c}.family, 'deduction_type', {c}.deduction_type,
                   'amount', round({c}.amount, CASE {c}.currency {places} ELSE 4 END)::text,
                   'currency', {c}.currency, 'issue_date', to_char({c}.issue_date, 'YYYY-MM-DD'),
                   'po_number', {c}.po_number, 'asin', {c}.asin, 'invoice_number', {c}.invoice_number,
                   'account_id', %s::bigint, 'marketplace', %s::text, 'state', 'new')"""


def _rollup_sql(name: str, model, keys: list[tuple[str, str]], measures: list[tuple[str, str]], where: str) -> str:
    """One rollup table's deltas from `moved` (signed contributions): INSERT … GROUP BY … ON CONFLICT DO UPDATE.

    `keys` and `measures` are (stats column, expression over `moved`) pairs. Groups that add up to
    nothing are left out; rows go in key order, so concurrent writers lock them in the same order.
    """
    qn = connection.ops.quote_name
    key_list = ", ".join(expr for _, expr in keys)
    sums = [f"sum(sign * coalesce({expr}, 0))" if expr != "1" else "sum(sign)" for _, expr in measures]
    columns = ", ".join(qn(column) for column, _ in (*keys, *measures))
    updates = ", ".join(f"{qn(c)} = t.{qn(c)} + excluded.{qn(c)}" for c, _ in measures)
    return f"""{name} AS (
            INSERT INTO {qn(model._meta.db_table)} AS t ({columns})
            SELECT {key_list}, {", ".join(sums)}
            FROM moved {where}
            GROUP BY {key_list}
            HAVING {" OR ".join(f"{total} <> 0" for total in sums)}
            ORDER BY {key_list}
            ON CONFLICT ({", ".join(qn(column) for column, _ in keys)}) DO UPDATE SET {updates}
        )"""  # noqa: S608 - identifiers come from model metadata


def _synced_sql(upsert: str, *, history: bool) -> str:
    """The upsert and everything that must happen with it, as one statement.

    From what RETURNING gives (each written row as it now is, workflow columns included) and the
    contributions `lock_before` kept of the changed rows as they were:
    - a history row per written row (when history is on);
    - `chargeback.created` in the outbox for each inserted row;
    - the dashboard rollups moved by exactly what the upsert changed (old contribution out, new in).
    Params: the upsert's, then [history: date, reason, user,] organization id, account id,
    marketplace, event time.
    """
    from acorn_portal.models import OutboxEvent
    from refunds.models import ChargebackDayStat, DueDayStat, RecoveryDayStat
    from refunds.services.stats import ISSUE_MEASURES

    qn = connection.ops.quote_name
    live = {f.column for f in Chargeback._meta.concrete_fields}
    history_model = Chargeback.history.model
    copied = [qn(f.column) for f in history_model.tracked_fields if f.column in live] if history else []
    snap = [qn(c) for c in _snapshot_columns()]
    returned = list(dict.fromkeys([qn("id"), *copied, *snap, *(qn(c) for c in _ANNOUNCED_COLUMNS)]))
    ctes = [
        f"""written AS ({upsert}
            RETURNING {", ".join(f"t.{c}" for c in returned)}, (t.xmax = 0) AS inserted
        )"""
    ]
    if history:
        ctes.append(
            f"""logged AS (
            INSERT INTO {qn(history_model._meta.db_table)}
                   ({", ".join(copied)}, history_date, history_change_reason, history_type, history_user_id)
            SELECT {", ".join(copied)}, %s, %s, CASE WHEN inserted THEN '+' ELSE '~' END, %s
            FROM written ORDER BY id
        )"""  # noqa: S608 - identifiers come from model metadata
        )
    ctes.append(
        f"""announced AS (
            INSERT INTO {qn(OutboxEvent._meta.db_table)}
                   (organization_id, name, object_type, object_id, payload, created_at)
            SELECT %s, 'chargeback.created', 'refunds.chargeback', w.id::text, {_created_payload_sql("w")}, %s
            FROM written w WHERE w.inserted ORDER BY w.id
        )"""  # noqa: S608 - identifiers come from model metadata
    )
    ctes.append(
        f"""moved AS (
            SELECT 1 AS sign, {", ".join(snap)} FROM written
            UNION ALL
            SELECT -1, {", ".join(f"b.{c}" for c in snap)}
            FROM {BEFORE_TABLE} b JOIN written w ON w.id = b.id AND NOT w.inserted
        )"""  # noqa: S608 - identifiers come from model metadata
    )
    issue_keys = [("account_id", "account_id"), ("family", "family"), ("deduction_type", "deduction_type")]
    issue_keys += [("currency", "currency"), ("state", "state"), ("day", "issue_date")]
    ctes.append(
        _rollup_sql(
            "issue_day",
            ChargebackDayStat,
            issue_keys,
            [("n", "1")] + [(m, m) for m in ISSUE_MEASURES],
            "",
        )
    )
    ctes.append(
        _rollup_sql(
            "recovery_day",
            RecoveryDayStat,
            [*issue_keys[:4], ("day", "recovered_on")],
            [("n", "1"), ("recovered_amount", "recovered_amount")],
            "WHERE recovered_on IS NOT NULL",
        )
    )
    ctes.append(
        _rollup_sql(
            "due_day",
            DueDayStat,
            [("account_id", "account_id"), ("currency", "currency"), ("state", "state"), ("day", "due_on")],
            [("n", "1"), ("amount", "amount")],
            "WHERE due_on IS NOT NULL",
        )
    )
    return "WITH " + ",\n        ".join(ctes) + "\n        SELECT id, inserted FROM written"  # noqa: S608


def sync_chargebacks(account, rows: list[dict], *, change_reason: str, actor) -> tuple[list[int], list[int]]:
    """`write_chargebacks` with its consequences, in the caller's transaction: the ids created and changed.

    Three statements a batch (besides COPY): lock the rows about to change and keep their rollup
    contributions (server-side, nothing comes back), then one statement writing the rows, their
    history, `chargeback.created` for each new row and the rollup deltas. Nothing of a row crosses
    to Python but its id.
    """
    plan = _plan()
    now = timezone.now()
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor: Django's wrapper has no COPY
        raw.execute(plan.create_stage)
        raw.execute(plan.create_before)
        # Inside one outer transaction (a file import, tests) ON COMMIT has not emptied them yet.
        raw.execute(f"DELETE FROM {STAGE_TABLE}")  # noqa: S608 - a constant
        raw.execute(f"DELETE FROM {BEFORE_TABLE}")  # noqa: S608 - a constant
        with raw.copy(plan.copy) as copy:
            for values in rows:
                copy.write_row([values[name] for name in plan.staged])
        cursor.execute(plan.lock_before, (account.pk,))
        params = [account.pk, now, now, *plan.defaults]
        if getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            user = actor or Chargeback.history.model.get_default_history_user(Chargeback())
            params += [now, change_reason, getattr(user, "pk", None)]
            sql = plan.synced
        else:
            sql = plan.synced_without_history
        params += [account.organization_id, account.pk, account.marketplace, now]
        cursor.execute(sql, params)
        written = cursor.fetchall()
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

    qn = connection.ops.quote_name
    sql = f"""
        INSERT INTO {qn(OutboxEvent._meta.db_table)}
               (organization_id, name, object_type, object_id, payload, created_at)
        SELECT %s, 'chargeback.created', 'refunds.chargeback', c.id::text, {_created_payload_sql("c")}, %s
        FROM {qn(Chargeback._meta.db_table)} c
        WHERE c.id = ANY(%s)
        ORDER BY c.id"""  # noqa: S608 - identifiers from model metadata, codes from our own table
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [account.organization_id, account.pk, account.marketplace, timezone.now(), list(chargeback_ids)]
        )
        return cursor.rowcount
