"""Write a batch of verdicts: upsert assessments, update derived chargeback fields, audit the changes."""

from collections import defaultdict

from django.db import connection, transaction

from acorn_portal import clock
from acorn_portal.models import VendorAccount
from acorn_portal.services.events import emit_events
from refunds.models import Chargeback, ChargebackAssessment
from refunds.services import stats
from refunds.services.matching import fastsql

DERIVED_FIELDS = ("disputable_from", "due_on", "target_on", "recommendation")
ASSESSMENT_UPDATE_FIELDS = [
    "recommendation",
    "match_status",
    "expected_recovery",
    "currency",
    "confidence",
    "summary",
    "summary_parts",
    "checks",
    "evidence_present",
    "evidence_missing",
    "matched",
    "rule",
    "evaluated_at",
]
REASON_MAX = 100  # simple-history's history_change_reason column


def matched_documents(bundle) -> dict:
    """Ids and numbers of what matching found, for links on the case page and the API."""
    if bundle is None:
        return {}
    return {
        "purchase_order": [bundle.po.id, bundle.po.number] if bundle.po else None,
        "invoice": [bundle.invoice.id, bundle.invoice.number] if bundle.invoice else None,
        "invoice_chain": [[i.id, i.number] for i in bundle.chain],
        "shipments": [[s.id, s.shipment_id] for s in bundle.asn_shipments()],
        "remittance_lines": [[line.id, line.remittance__payment_number] for line in bundle.remittance_lines],
    }


def write_results(results, *, cause: str) -> int:
    """`results` are (chargeback row, verdict, rule, deadlines, bundle); returns how many chargebacks changed.

    The chargeback rows are tuples (see `evaluate.CHARGEBACK_FIELDS`), never saved themselves: the
    derived fields that moved are written in one statement, and only those whose earlier value
    moved get a history row (from freshly loaded instances, so the row shows what is stored).
    """
    evaluated_at = clock.now()  # when it ran; `now` is only the instant "today" is taken from
    upsert_assessments(
        [_assessment_row(cb, verdict, rule, bundle, evaluated_at) for cb, verdict, rule, _, bundle in results]
    )
    changed, reasons, events = [], {}, []
    for cb, verdict, _, deadlines, _ in results:
        if deadlines is None:
            new = (None, None, None, verdict.recommendation)
        else:
            new = (deadlines.disputable_from, deadlines.due_on, deadlines.target_on, verdict.recommendation)
        old = (cb.disputable_from, cb.due_on, cb.target_on, cb.recommendation)
        if new == old:
            continue
        changed.append((cb.id, *new))
        events.append((cb, old, new))
        if any(old):
            reason = change_reason(
                dict(zip(DERIVED_FIELDS, old, strict=True)), dict(zip(DERIVED_FIELDS, new, strict=True)), cause
            )
            if reason:
                reasons[cb.id] = reason
    update_derived_fields(changed, now=evaluated_at)
    announce_verdict_changes(events, cause=cause)
    if reasons:
        record_history(reasons)
    return len(changed)


def announce_verdict_changes(changes, *, cause: str) -> int:
    """One `chargeback.verdict_changed` event per case whose recommendation or deadlines moved.

    `changes` are (chargeback row, old, new) with values in DERIVED_FIELDS order. Written in bulk in
    the caller's transaction, like every outbox event.
    """
    if not changes:
        return 0
    organizations = dict(
        VendorAccount.objects.filter(pk__in={cb.account_id for cb, _, _ in changes}).values_list(
            "pk", "organization_id"
        )
    )
    by_org = defaultdict(list)
    for cb, old, new in changes:
        previous, current = dict(zip(DERIVED_FIELDS, old, strict=True)), dict(zip(DERIVED_FIELDS, new, strict=True))
        by_org[organizations[cb.account_id]].append((cb.id, verdict_payload(cb.amazon_id, previous, current, cause)))
    for organization_id, items in by_org.items():
        emit_events("chargeback.verdict_changed", organization_id=organization_id, model=Chargeback, items=items)
    return len(changes)


def verdict_payload(amazon_id: str, previous: dict, current: dict, cause: str) -> dict:
    """The event's data: the new values, and the old ones under `previous` (the API's field names)."""

    def shown(values):
        return {
            "recommendation": values["recommendation"] or None,
            "due_date": values["due_on"],
            "target_date": values["target_on"],
            "disputable_from": values["disputable_from"],
        }

    return {"amazon_id": amazon_id, **shown(current), "previous": shown(previous), "cause": cause}


def record_history(reasons: dict[int, str]) -> None:
    """History rows for chargebacks whose deadline or recommendation moved, each with its reason."""
    audited = list(Chargeback.objects.filter(pk__in=list(reasons)).order_by("pk"))
    for cb in audited:
        cb._change_reason = reasons[cb.pk]
    Chargeback.history.bulk_history_create(audited, update=True, batch_size=1000)


ASSESSMENT_COLUMNS = ["chargeback", *ASSESSMENT_UPDATE_FIELDS]
JSON_FIELDS = ["summary_parts", "checks", "evidence_present", "evidence_missing", "matched"]


def _assessment_row(cb, verdict, rule, bundle, evaluated_at) -> tuple:
    """One assessment as a tuple in ASSESSMENT_COLUMNS order (no model instance: this runs 100k times)."""
    return (
        cb.id,
        verdict.recommendation,
        verdict.match_status,
        verdict.expected_recovery,
        verdict.currency,
        verdict.confidence,
        verdict.summary,
        verdict.summary_parts,
        verdict.checks,
        verdict.evidence_present,
        verdict.evidence_missing,
        matched_documents(bundle),
        rule.pk if rule else None,
        evaluated_at,
    )


def change_reason(old: dict, new: dict, cause: str) -> str:
    """Words for the history of a value that moved; empty for a first computation (nothing moved)."""
    labels = {"due_on": "due date", "target_on": "target", "disputable_from": "disputable from"}
    parts = [
        f"{label} {old[name]} → {new[name]}"
        for name, label in labels.items()
        if old[name] is not None and old[name] != new[name]
    ]
    if old["recommendation"] and old["recommendation"] != new["recommendation"]:
        parts.append(f"recommendation {old['recommendation']} → {new['recommendation']}")
    if not parts:
        return ""
    text = f"{parts[0]}: {cause}" if len(parts) == 1 else f"{'; '.join(parts)}: {cause}"
    if len(text) > REASON_MAX:
        text = f"{parts[0]}: {cause}"[:REASON_MAX]
    return text


def upsert_assessments(rows) -> None:
    """One assessment per chargeback: insert, or overwrite the previous one."""
    if fastsql.is_postgresql():
        fastsql.upsert(ChargebackAssessment, ASSESSMENT_COLUMNS, rows, conflict="chargeback", json_fields=JSON_FIELDS)
        return
    attnames = [ChargebackAssessment._meta.get_field(name).attname for name in ASSESSMENT_COLUMNS]
    ChargebackAssessment.objects.bulk_create(
        [ChargebackAssessment(**dict(zip(attnames, row, strict=True))) for row in rows],
        update_conflicts=True,
        unique_fields=["chargeback"],
        update_fields=ASSESSMENT_UPDATE_FIELDS,
        batch_size=500,
    )


def update_derived_fields(rows, *, now=None) -> None:
    """Write derived fields: `rows` are (id, *DERIVED_FIELDS) tuples (COPY + UPDATE … FROM on PostgreSQL).

    `updated_at` moves with them (this bypasses auto_now): API clients polling `updated_since` see the change.
    """
    if not rows:
        return
    now = now or clock.now()
    rows = [(*row, now) for row in rows]
    columns = (*DERIVED_FIELDS, "updated_at")
    due_at = 1 + DERIVED_FIELDS.index("due_on")
    new_due = {row[0]: row[due_at] for row in rows}
    with transaction.atomic():
        # The dashboard's due-day rollup moves with due_on. The rows are read as they are now, locked,
        # so a workflow change made since matching loaded them is counted under its new state.
        locked = Chargeback.objects.select_for_update().filter(pk__in=list(new_due)).order_by("pk")
        before = stats.snapshots(locked)
        if fastsql.is_postgresql():
            fastsql.update(Chargeback, ["id", *columns], rows)
        else:
            table = connection.ops.quote_name(Chargeback._meta.db_table)
            sets = ", ".join(f"{connection.ops.quote_name(name)} = %s" for name in columns)
            with connection.cursor() as cursor:
                cursor.executemany(f"UPDATE {table} SET {sets} WHERE id = %s", [(*row[1:], row[0]) for row in rows])  # noqa: S608 - names from the model
        stats.apply_changes(before, [{**row, "due_on": new_due[row["id"]]} for row in before])
