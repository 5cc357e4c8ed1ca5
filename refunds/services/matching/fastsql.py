"""Bulk reads and writes for matching that stay fast at a hundred thousand rows.

Django's PostgreSQL backend binds parameters on the client by default, quoting every value of an
`IN (...)` list and every element of `bulk_create`'s arrays in Python; at matching's volumes that
quoting costs more than the queries. On PostgreSQL these helpers therefore run the ORM-built SQL
through a server-binding cursor and write with COPY into a temporary table followed by one
INSERT … ON CONFLICT or UPDATE … FROM. Elsewhere (SQLite) they fall back to the plain ORM.
"""

import json
from collections import namedtuple

import orjson
import psycopg
from django.db import connection
from django.db.models import F, Lookup
from psycopg.types.datetime import TimestamptzLoader


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


class AnyOf(Lookup):
    """`column = ANY(%s)` with one array parameter on PostgreSQL, however long the list; `IN` elsewhere.

    A thousand-value `IN (...)` costs more to compile, quote and parse than to run.
    """

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        if not values:
            return "1 = 0", []
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


def any_of(field: str, values) -> AnyOf:
    """A filter condition: `queryset.filter(any_of("account_id", ids))`."""
    return AnyOf(F(field), sorted(set(values)))


def fetch(queryset, fields):
    """Rows of `queryset` as named tuples with the given fields (no ordering).

    On PostgreSQL a jsonb column comes back as its text (Django's connection loads jsonb as text
    and lets JSONField decode it): read it with `json_value`, which decodes only what is used.
    """
    qs = queryset.order_by().values_list(*fields, named=True)
    if not is_postgresql():
        return list(qs)
    sql, params = qs.query.sql_with_params()
    Row = namedtuple("Row", fields)  # noqa: PYI024 - field names only known at run time
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        # psycopg's own (C) loader: Django's replaces it with a Python subclass that only pins the
        # zone, which the connection's UTC session zone already gives.
        cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return list(map(Row._make, rows))


def json_value(value):
    """A JSON field's value from `fetch`: decoded on PostgreSQL (text there), as is elsewhere."""
    return json.loads(value) if isinstance(value, str) else value


def dump_json(value) -> str:
    return orjson.dumps(value).decode()


def _columns(model, names):
    fields = [model._meta.get_field(name) for name in names]
    return [f.column for f in fields], [f.db_type(connection) for f in fields]


def _copy_into_temp(table, columns, types, rows, json_columns) -> None:
    definition = ", ".join(f'"{c}" {t}' for c, t in zip(columns, types, strict=True))
    column_list = ", ".join(f'"{c}"' for c in columns)
    json_positions = [columns.index(c) for c in json_columns]
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} ({definition})")
        cursor.execute(f"TRUNCATE {table}")
        with cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
            for row in rows:
                if json_positions:
                    row = list(row)
                    for position in json_positions:
                        row[position] = dump_json(row[position])
                copy.write_row(row)


def upsert(model, names, rows, *, conflict: str, json_fields=()) -> None:
    """Insert rows (tuples in `names` order), updating every other column of an existing row."""
    columns, types = _columns(model, names)
    json_columns = [model._meta.get_field(n).column for n in json_fields]
    table = f"tmp_{model._meta.db_table}"
    _copy_into_temp(table, columns, types, rows, json_columns)
    conflict_column = model._meta.get_field(conflict).column
    column_list = ", ".join(f'"{c}"' for c in columns)
    updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in columns if c != conflict_column)
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{model._meta.db_table}" ({column_list}) SELECT {column_list} FROM {table} '  # noqa: S608 - names from the model
            f'ON CONFLICT ("{conflict_column}") DO UPDATE SET {updates}'
        )


def update(model, names, rows) -> None:
    """Set columns of existing rows by primary key; `names[0]` is the key."""
    columns, types = _columns(model, names)
    table = f"tmp_update_{model._meta.db_table}"
    _copy_into_temp(table, columns, types, rows, [])
    key = columns[0]
    sets = ", ".join(f'"{c}" = t."{c}"' for c in columns[1:])
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{model._meta.db_table}" AS m SET {sets} FROM {table} AS t WHERE m."{key}" = t."{key}"')  # noqa: S608 - names from the model
