"""Write a batch of verdicts: upsert assessments, update derived chargeback fields, audit the changes."""

from django.db import connection
from django.utils import timezone

from refunds.models import Chargeback, ChargebackAssessment

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
    assessments = [_assessment(cb, verdict, rule, bundle, evaluated_at) for cb, verdict, rule, _, bundle in results]
    ChargebackAssessment.objects.bulk_create(
        assessments,
        update_conflicts=True,
        unique_fields=["chargeback"],
        update_fields=ASSESSMENT_UPDATE_FIELDS,
        batch_size=1000,
    )
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


def _assessment(cb, verdict, rule, bundle, now) -> ChargebackAssessment:
    return ChargebackAssessment(
        chargeback_id=cb.pk,
        recommendation=verdict.recommendation,
        match_status=verdict.match_status,
        expected_recovery=verdict.expected_recovery,
        currency=verdict.currency,
        confidence=verdict.confidence,
        summary=verdict.summary,
        checks=verdict.checks,
        evidence_present=verdict.evidence_present,
        evidence_missing=verdict.evidence_missing,
        matched=matched_documents(bundle),
        rule_id=rule.pk if rule else None,
        evaluated_at=now,
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


def update_derived_fields(chargebacks) -> None:
    """One statement per thousand rows: PostgreSQL joins a VALUES list; elsewhere Django's bulk_update."""
    if not chargebacks:
        return
    if connection.vendor != "postgresql":
        Chargeback.objects.bulk_update(chargebacks, list(DERIVED_FIELDS), batch_size=500)
        return
    table = Chargeback._meta.db_table
    for start in range(0, len(chargebacks), 1000):
        chunk = chargebacks[start : start + 1000]
        rows = ", ".join(["(%s::bigint, %s::date, %s::date, %s::date, %s)"] * len(chunk))
        params = [p for cb in chunk for p in (cb.pk, cb.disputable_from, cb.due_on, cb.target_on, cb.recommendation)]
        sql = (
            f"UPDATE {table} AS c SET disputable_from = v.df, due_on = v.due, target_on = v.target, "  # noqa: S608 - table name from the model, values bound
            f"recommendation = v.rec FROM (VALUES {rows}) AS v(id, df, due, target, rec) WHERE c.id = v.id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
