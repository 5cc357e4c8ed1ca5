"""Keeping the dashboard's rollups exact: deltas applied with every write of a case, and a recount.

A case contributes one row to `ChargebackDayStat` (its account, family, type, currency, state and
issue day), once money arrived one to `RecoveryDayStat` (its recovery day), and once it has a
deadline one to `DueDayStat` (its due day and state). A write replaces
the contribution of the row as it was by the row as it now is: `apply_changes(before, after)` adds
the difference with one `INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n` per table, in the
caller's transaction. Concurrent writers add to the same stats rows safely (the database serialises
the increments); delta rows are sorted so two writers lock them in the same order.

Who calls it: `Chargeback.save()` (every workflow transition, case creation, any ORM save), the
sync's ORM path (`refunds.services.ingest`) and matching's bulk write of deadlines
(`refunds.services.matching.writer`). The sync's PostgreSQL path (`refunds.services.ingest_pg`)
computes the same deltas in SQL, in the statement that writes the rows (keep its
`_synced_sql` in step with SNAPSHOT_FIELDS and the keys here). Writes that bypass both — `QuerySet.update()` on a
tracked field, raw SQL — must call `apply_changes` or `rebuild_stats` themselves;
`manage.py rebuild_dashboard_stats --check` tells whether the rollups equal a recount.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Sum

ISSUE_KEY = ("account_id", "family", "deduction_type", "currency", "state", "issue_date")
ISSUE_MEASURES = ("amount", "amazon_approved_amount", "recovered_amount", "written_off_amount")
RECOVERY_KEY = ("account_id", "family", "deduction_type", "currency", "recovered_on")
DUE_KEY = ("account_id", "currency", "state", "due_on")
SNAPSHOT_FIELDS = (*ISSUE_KEY, *ISSUE_MEASURES, "recovered_on", "due_on")
# Model field names (not attnames) whose change moves a case's contribution.
TRACKED_FIELDS = frozenset({"account", *SNAPSHOT_FIELDS} - {"account_id"})

ZERO = Decimal(0)


def snapshot(case) -> dict:
    """What a case contributes to the rollups, from the instance as it is in memory."""
    return {name: getattr(case, name) for name in SNAPSHOT_FIELDS}


def snapshots(queryset) -> list[dict]:
    """The contributions of the rows of `queryset`, read from the database (with their ids).

    A locking queryset keeps its ordering: rows locked in one order everywhere cannot deadlock.
    """
    rows = queryset if queryset.query.select_for_update else queryset.order_by()
    return list(rows.values("id", *SNAPSHOT_FIELDS))


def _deltas(before: Iterable[dict], after: Iterable[dict]):
    issue: dict[tuple, list] = defaultdict(lambda: [0, ZERO, ZERO, ZERO, ZERO])
    recovery: dict[tuple, list] = defaultdict(lambda: [0, ZERO])
    due: dict[tuple, list] = defaultdict(lambda: [0, ZERO])
    for sign, rows in ((-1, before), (1, after)):
        for row in rows:
            totals = issue[tuple(row[name] for name in ISSUE_KEY)]
            totals[0] += sign
            for index, name in enumerate(ISSUE_MEASURES, start=1):
                totals[index] += sign * (row[name] or ZERO)
            if row["recovered_on"] is not None:
                totals = recovery[tuple(row[name] for name in RECOVERY_KEY)]
                totals[0] += sign
                totals[1] += sign * (row["recovered_amount"] or ZERO)
            if row["due_on"] is not None:
                totals = due[tuple(row[name] for name in DUE_KEY)]
                totals[0] += sign
                totals[1] += sign * row["amount"]
    changed = lambda deltas: sorted(  # noqa: E731
        ((key, values) for key, values in deltas.items() if any(values)), key=lambda item: str(item[0])
    )
    return changed(issue), changed(recovery), changed(due)


def _upsert(table: str, key_columns: tuple[str, ...], measure_columns: tuple[str, ...], rows, chunk=500) -> None:
    qn = connection.ops.quote_name
    columns = [*key_columns, *measure_columns]
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    updates = ", ".join(f"{qn(c)} = t.{qn(c)} + excluded.{qn(c)}" for c in measure_columns)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            sql = (
                f"INSERT INTO {qn(table)} AS t ({', '.join(qn(c) for c in columns)}) "  # noqa: S608 - model metadata
                f"VALUES {', '.join([placeholders] * len(part))} "
                f"ON CONFLICT ({', '.join(qn(c) for c in key_columns)}) DO UPDATE SET {updates}"
            )
            cursor.execute(sql, [value for key, values in part for value in (*key, *values)])


def apply_changes(before: Iterable[dict], after: Iterable[dict]) -> None:
    """Replace the contributions `before` (rows as they were) by `after` (as they are now)."""
    from refunds.models import ChargebackDayStat, DueDayStat, RecoveryDayStat

    issue, recovery, due = _deltas(before, after)
    if not issue and not recovery and not due:
        return
    with transaction.atomic():
        if issue:
            _upsert(
                ChargebackDayStat._meta.db_table,
                ("account_id", "family", "deduction_type", "currency", "state", "day"),
                ("n", *ISSUE_MEASURES),
                issue,
            )
        if recovery:
            _upsert(
                RecoveryDayStat._meta.db_table,
                ("account_id", "family", "deduction_type", "currency", "day"),
                ("n", "recovered_amount"),
                recovery,
            )
        if due:
            _upsert(DueDayStat._meta.db_table, ("account_id", "currency", "state", "day"), ("n", "amount"), due)


# --------------------------------------------------------------------------------------------------
# The recount: to build the rollups for existing data, and to prove the running totals right


def recount(account_ids: Iterable[int] | None = None) -> tuple[dict, dict]:
    """The rollups as a recount of the cases would give them: ({key: values}, {key: values})."""
    from refunds.models import Chargeback

    cases = Chargeback.objects.order_by()
    if account_ids is not None:
        cases = cases.filter(account_id__in=list(account_ids))
    issue = {
        tuple(row[name] for name in ISSUE_KEY): (row["n"], *(row[f"sum_{m}"] or ZERO for m in ISSUE_MEASURES))
        for row in cases.values(*ISSUE_KEY).annotate(n=Count("id"), **{f"sum_{m}": Sum(m) for m in ISSUE_MEASURES})
    }
    recovery = {
        tuple(row[name] for name in RECOVERY_KEY): (row["n"], row["total"] or ZERO)
        for row in cases.filter(recovered_on__isnull=False)
        .values(*RECOVERY_KEY)
        .annotate(n=Count("id"), total=Sum("recovered_amount"))
    }
    due = {
        tuple(row[name] for name in DUE_KEY): (row["n"], row["total"] or ZERO)
        for row in cases.filter(due_on__isnull=False).values(*DUE_KEY).annotate(n=Count("id"), total=Sum("amount"))
    }
    return issue, recovery, due


def stored(account_ids: Iterable[int] | None = None) -> tuple[dict, dict]:
    """The rollups as stored, in the shape `recount` gives (rows that add up to nothing left out)."""
    from refunds.models import ChargebackDayStat, DueDayStat, RecoveryDayStat

    issue_rows = ChargebackDayStat.objects.order_by()
    recovery_rows = RecoveryDayStat.objects.order_by()
    due_rows = DueDayStat.objects.order_by()
    if account_ids is not None:
        issue_rows = issue_rows.filter(account_id__in=list(account_ids))
        recovery_rows = recovery_rows.filter(account_id__in=list(account_ids))
        due_rows = due_rows.filter(account_id__in=list(account_ids))
    issue_fields = ("account_id", "family", "deduction_type", "currency", "state", "day")
    issue = {
        tuple(getattr(row, f) for f in issue_fields): (row.n, *(getattr(row, m) for m in ISSUE_MEASURES))
        for row in issue_rows
        if row.n or any(getattr(row, m) for m in ISSUE_MEASURES)
    }
    recovery_fields = ("account_id", "family", "deduction_type", "currency", "day")
    recovery = {
        tuple(getattr(row, f) for f in recovery_fields): (row.n, row.recovered_amount)
        for row in recovery_rows
        if row.n or row.recovered_amount
    }
    due = {
        (row.account_id, row.currency, row.state, row.day): (row.n, row.amount)
        for row in due_rows
        if row.n or row.amount
    }
    return issue, recovery, due


def differences(account_ids: Iterable[int] | None = None) -> list[str]:
    """Where the stored rollups differ from a recount, in words (empty: exact)."""
    ids = None if account_ids is None else list(account_ids)
    problems = []
    for label, counted, kept in zip(("issue-day", "recovery-day", "due-day"), recount(ids), stored(ids), strict=True):
        for key in sorted(set(counted) | set(kept), key=str):
            want, have = counted.get(key), kept.get(key)
            if want is None or have is None or tuple(want) != tuple(have):
                problems.append(f"{label} {key}: recount {want}, stored {have}")
    return problems


def rebuild_stats(account_ids: Iterable[int] | None = None) -> int:
    """Replace the rollups of these accounts (default: all) by a recount; the number of rows written."""
    from refunds.models import ChargebackDayStat, DueDayStat, RecoveryDayStat

    ids = None if account_ids is None else list(account_ids)
    issue, recovery, due = recount(ids)
    with transaction.atomic():
        for model in (ChargebackDayStat, RecoveryDayStat, DueDayStat):
            rows = model.objects.all()
            (rows if ids is None else rows.filter(account_id__in=ids)).delete()
        ChargebackDayStat.objects.bulk_create(
            (
                ChargebackDayStat(
                    account_id=key[0],
                    family=key[1],
                    deduction_type=key[2],
                    currency=key[3],
                    state=key[4],
                    day=key[5],
                    n=values[0],
                    **dict(zip(ISSUE_MEASURES, values[1:], strict=True)),
                )
                for key, values in issue.items()
            ),
            batch_size=2000,
        )
        RecoveryDayStat.objects.bulk_create(
            (
                RecoveryDayStat(
                    account_id=key[0],
                    family=key[1],
                    deduction_type=key[2],
                    currency=key[3],
                    day=key[4],
                    n=values[0],
                    recovered_amount=values[1],
                )
                for key, values in recovery.items()
            ),
            batch_size=2000,
        )
        DueDayStat.objects.bulk_create(
            (
                DueDayStat(account_id=key[0], currency=key[1], state=key[2], day=key[3], n=values[0], amount=values[1])
                for key, values in due.items()
            ),
            batch_size=2000,
        )
    return len(issue) + len(recovery) + len(due)
