"""Write a batch of verdicts: upsert assessments, update derived chargeback fields, audit the changes."""

from django.db import transaction
from django.utils import timezone

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
    """`results` are (chargeback, verdict, rule, deadlines, bundle); returns how many chargebacks changed."""
    evaluated_at = timezone.now()  # when it ran; `now` is only the instant "today" is taken from
    rows = [_assessment_row(cb, verdict, rule, bundle, evaluated_at) for cb, verdict, rule, _, bundle in results]
    upsert_assessments(rows)
    changed, audited = [], []
    for cb, verdict, _, deadlines, _ in results:
        new = {
            "disputable_from": deadlines.disputable_from if deadlines else None,
            "due_on": deadlines.due_on if deadlines else None,
            "target_on": deadlines.target_on if deadlines else None,
            "recommendation": verdict.recommendation,
        }
        old = {name: getattr(cb, name) for name in DERIVED_FIELDS}
        if new == old:
            continue
        reason = change_reason(old, new, cause)
        for name, value in new.items():
            setattr(cb, name, value)
        changed.append(cb)
        if reason:
            cb._change_reason = reason
            audited.append(cb)
    update_derived_fields(changed)
    if audited:
        Chargeback.history.bulk_history_create(audited, update=True, batch_size=1000)
    return len(changed)


ASSESSMENT_COLUMNS = ["chargeback", *ASSESSMENT_UPDATE_FIELDS]
JSON_FIELDS = ["checks", "evidence_present", "evidence_missing", "matched"]


def _assessment_row(cb, verdict, rule, bundle, evaluated_at) -> tuple:
    """One assessment as a tuple in ASSESSMENT_COLUMNS order (no model instance: this runs 100k times)."""
    return (
        cb.pk,
        verdict.recommendation,
        verdict.match_status,
        verdict.expected_recovery,
        verdict.currency,
        verdict.confidence,
        verdict.summary,
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


def update_derived_fields(chargebacks) -> None:
    """Write the derived fields of the chargebacks that changed (COPY + UPDATE … FROM on PostgreSQL)."""
    if not chargebacks:
        return
    with transaction.atomic():
        # The dashboard's due-day rollup moves with due_on. The rows are read as they are now, locked,
        # so a workflow change made since matching loaded them is counted under its new state.
        new_due = {cb.pk: cb.due_on for cb in chargebacks}
        locked = Chargeback.objects.select_for_update().filter(pk__in=list(new_due)).order_by("pk")
        before = stats.snapshots(locked)
        if fastsql.is_postgresql():
            rows = [(cb.pk, *(getattr(cb, name) for name in DERIVED_FIELDS)) for cb in chargebacks]
            fastsql.update(Chargeback, ["id", *DERIVED_FIELDS], rows)
        else:
            Chargeback.objects.bulk_update(chargebacks, list(DERIVED_FIELDS), batch_size=500)
        stats.apply_changes(before, [{**row, "due_on": new_due[row["id"]]} for row in before])
