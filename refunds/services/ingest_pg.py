"""PostgreSQL fast path for chargeback facts: COPY, then one set-based statement per batch.

Why a second path: `bulk_create(update_conflicts=True)` and simple-history's bulk helpers spend
most of a sync in Python, adapting every value of every row through Django's field machinery and
comparing rows one by one. Here the validated rows are COPYed into a session-local staging table
and one statement (data-modifying CTEs, `sync_chargebacks`) does the rest:

1. `probe`: each staged key looked up with one unique-index probe (LATERAL, whatever the table's
   size): the existing row's id, if any, and whether its facts differ from the staged ones.
2. `old`: the rows whose facts differ, locked (`FOR UPDATE`, in id order) with their dashboard
   rollup contributions as they are now.
3. `updated`: those rows get the new facts (workflow columns are never in the SET list);
   `inserted`: keys with no row are inserted. Unchanged rows are neither written nor locked: a
   re-sync that changes a tenth of the rows writes a tenth of them (`INSERT … ON CONFLICT DO
   UPDATE … WHERE` would lock every conflicting row, changed or not, dirtying its page). A key
   another writer inserted since the probe (a file import racing a sync of the same account) is
   left as that writer wrote it and counted unchanged: `ON CONFLICT DO NOTHING`, so the batch
   neither fails nor moves rollups for a row it did not write; the next sync compares it again.
4. From what the writes return (each written row as it now is):
   - one historical row per created ('+') or changed ('~') chargeback, with the same date, reason
     and user the ORM path writes (docs/decisions/0002-bulk-writes-and-history.md: sync owns these facts, and
     people must still be able to audit every change of them);
   - `chargeback.created` in the outbox for each inserted row, its payload built in SQL;
   - the rollup deltas: new contributions minus the locked old ones, `GROUP BY` the rollup key,
     `INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n` into each of the three tables.
All of it in the caller's transaction: the rows, their events and the rollups commit together.
Nothing of a row crosses back to Python but its id.

Validation stays in `refunds.services.ingest` (this module receives valid rows only), so the two
paths accept and refuse exactly the same records; tests compare their results row by row.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import connection

from acorn_portal import clock
from refunds.models import Chargeback

STAGE_TABLE = "acorn_chargeback_stage"


@dataclass(frozen=True)
class _Plan:
    """Column lists and SQL for one schema, built once per process."""

    staged: tuple[str, ...]  # attnames COPYed: the natural key, then the facts
    prepare_stage: str  # creates the session-local staging table if needed and empties it
    copy: str
    insert_columns: str  # the chargeback columns a new row is inserted with, in order
    insert_values: str  # their values over a staging row `s` (params: account, now, default_0 …)
    defaults: dict  # `default_<n>`: the values of the other (workflow) columns of a new row
    synced: str  # probe, lock, write, history, `chargeback.created` and rollup deltas: one statement
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
    skip = {"id", "account", "created_at", "updated_at", *staged}
    others = [f for f in opts.concrete_fields if f.name not in skip]
    stage_columns = ", ".join(f"{qn(by_name[n].column)} {by_name[n].db_type(connection)}" for n in staged)
    staged_columns = ", ".join(qn(by_name[n].column) for n in staged)
    # New rows get the model's defaults for workflow columns (Django keeps defaults in Python, not in the schema).
    insert_values = ", ".join(
        [
            "%(account)s::bigint",
            *(f"s.{qn(by_name[n].column)}" for n in staged),
            "%(now)s::timestamptz",
            "%(now)s::timestamptz",
            *(f"%(default_{i})s::{f.db_type(connection)}" for i, f in enumerate(others)),
        ]
    )
    insert_columns = ", ".join(
        ["account_id", staged_columns, "created_at", "updated_at", *(qn(f.column) for f in others)]
    )
    return _Plan(
        staged=staged,
        # One round trip: the table lives as long as the connection; inside one outer transaction
        # (a file import, tests) ON COMMIT has not emptied it yet, hence the DELETE.
        prepare_stage=(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE_TABLE} ({stage_columns}) ON COMMIT DELETE ROWS; "  # noqa: S608
            f"DELETE FROM {STAGE_TABLE}"
        ),
        copy=f"COPY {STAGE_TABLE} ({staged_columns}) FROM STDIN",
        insert_columns=insert_columns,
        insert_values=insert_values,
        defaults={f"default_{i}": f.get_db_prep_save(f.get_default(), connection) for i, f in enumerate(others)},
        synced=_synced_sql(insert_columns, insert_values, history=True),
        synced_without_history=_synced_sql(insert_columns, insert_values, history=False),
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


def _created_payload_sql(alias: str, account: str, marketplace: str) -> str:
    """The `chargeback.created` payload of row `alias`, built by the database from the two placeholders given.

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
                   'account_id', {account}::bigint, 'marketplace', {marketplace}::text, 'state', 'new')"""


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


def _synced_sql(insert_columns: str, insert_values: str, *, history: bool, announce: bool = True) -> str:
    """The writes of one batch and everything that must happen with them, as one statement.

    See the module's docstring for the steps. Named params: account, organization, marketplace,
    now, the workflow defaults (`default_<n>`) and, with history, reason and user.
    `announce=False` leaves `chargeback.created` out (bench/webhooks.py measures what it costs).
    """
    from acorn_portal.models import OutboxEvent
    from refunds.models import ChargebackDayStat, DueDayStat, RecoveryDayStat
    from refunds.services.stats import ISSUE_MEASURES

    qn = connection.ops.quote_name
    table = qn(Chargeback._meta.db_table)
    by_name = {f.name: f for f in Chargeback._meta.concrete_fields}
    key = qn(by_name["amazon_id"].column)
    facts = [qn(by_name[name].column) for name in Chargeback.FACT_FIELDS]
    live = {f.column for f in Chargeback._meta.concrete_fields}
    history_model = Chargeback.history.model
    copied = [qn(f.column) for f in history_model.tracked_fields if f.column in live] if history else []
    user_type = history_model._meta.get_field("history_user").db_type(connection)
    snap = [qn(c) for c in _snapshot_columns()]
    returned = ", ".join(
        f"t.{c}" for c in dict.fromkeys([qn("id"), *copied, *snap, *(qn(c) for c in _ANNOUNCED_COLUMNS)])
    )
    ctes = [
        # LATERAL: one unique-index probe per staged key, whatever the table's size (a plain join on
        # the unanalysed temp table may be planned as a hash join over the whole chargeback table).
        f"""probe AS MATERIALIZED (
            SELECT s.*, c.id AS existing_id, c.differs
            FROM {STAGE_TABLE} s LEFT JOIN LATERAL (
                SELECT c.id, ({", ".join(f"c.{col}" for col in facts)})
                       IS DISTINCT FROM ({", ".join(f"s.{col}" for col in facts)}) AS differs
                FROM {table} c
                WHERE c.account_id = %(account)s::bigint AND c.{key} = s.{key}
            ) c ON true
        )""",  # noqa: S608 - identifiers come from model metadata
        # `= ANY(ARRAY(…))`: primary-key probes, and the whole set locked before anything is written.
        f"""old AS MATERIALIZED (
            SELECT c.id, {", ".join(f"c.{c}" for c in snap)}
            FROM {table} c
            WHERE c.id = ANY(ARRAY(SELECT existing_id FROM probe WHERE differs))
            ORDER BY c.id
            FOR UPDATE
        )""",  # noqa: S608 - identifiers come from model metadata
        f"""updated AS (
            UPDATE {table} AS t
            SET {", ".join(f"{col} = p.{col}" for col in facts)}, updated_at = %(now)s::timestamptz
            FROM probe p
            WHERE t.id = ANY(ARRAY(SELECT id FROM old)) AND p.existing_id = t.id
            RETURNING {returned}, false AS inserted
        )""",  # noqa: S608 - identifiers come from model metadata
        f"""inserted AS (
            INSERT INTO {table} AS t ({insert_columns})
            SELECT {insert_values} FROM probe s WHERE s.existing_id IS NULL
            ON CONFLICT (account_id, {key}) DO NOTHING
            RETURNING {returned}, true AS inserted
        )""",  # noqa: S608 - identifiers come from model metadata
        "written AS (SELECT * FROM updated UNION ALL SELECT * FROM inserted)",
    ]
    if history:
        ctes.append(
            f"""logged AS (
            INSERT INTO {qn(history_model._meta.db_table)}
                   ({", ".join(copied)}, history_date, history_change_reason, history_type, history_user_id)
            SELECT {", ".join(copied)}, %(now)s::timestamptz, %(reason)s::text,
                   CASE WHEN inserted THEN '+' ELSE '~' END, %(user)s::{user_type}
            FROM written ORDER BY id
        )"""  # noqa: S608 - identifiers come from model metadata
        )
    if announce:
        ctes.append(
            f"""announced AS (
                INSERT INTO {qn(OutboxEvent._meta.db_table)}
                       (organization_id, name, object_type, object_id, payload, created_at, txid)
                SELECT %(organization)s::bigint, 'chargeback.created', 'refunds.chargeback', w.id::text,
                       {_created_payload_sql("w", "%(account)s", "%(marketplace)s")}, %(now)s::timestamptz,
                       pg_current_xact_id()::text::bigint
                FROM inserted w ORDER BY w.id
            )"""  # noqa: S608 - identifiers come from model metadata
        )
    ctes.append(
        f"""moved AS (
            SELECT 1 AS sign, {", ".join(snap)} FROM written
            UNION ALL
            SELECT -1, {", ".join(f"o.{c}" for c in snap)} FROM old o JOIN updated u ON u.id = o.id
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
    """Write a batch of valid chargeback facts with their consequences, in the caller's transaction.

    Three round trips (besides the caller's commit): prepare the staging table, COPY the rows, run
    the one statement. Returns the ids created and the ids changed.
    """
    plan = _plan()
    now = clock.now()
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor: Django's wrapper has no COPY
        raw.execute(plan.prepare_stage)
        with raw.copy(plan.copy) as copy:
            for values in rows:
                copy.write_row([values[name] for name in plan.staged])
        params = {
            "account": account.pk,
            "organization": account.organization_id,
            "marketplace": account.marketplace,
            "now": now,
            **plan.defaults,
        }
        if getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            user = actor or Chargeback.history.model.get_default_history_user(Chargeback())
            params |= {"reason": change_reason, "user": getattr(user, "pk", None)}
            sql = plan.synced
        else:
            sql = plan.synced_without_history
        cursor.execute(sql, params)
        written = cursor.fetchall()
    created = [pk for pk, is_new in written if is_new]
    changed = [pk for pk, is_new in written if not is_new]
    return created, changed
