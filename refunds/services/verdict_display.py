"""The verdict as people and the API see it: one HTML snippet and one plain dict, from the stored assessment."""

from django.template.loader import render_to_string
from django.utils.translation import gettext

from acorn_portal.money import Money
from refunds.choices import CheckStatus, ProofKind
from refunds.services.deadlines import is_overdue


def _assessment(chargeback):
    try:
        return chargeback.assessment
    except chargeback._meta.model.assessment.RelatedObjectDoesNotExist:
        return None


def render_verdict(chargeback) -> str:
    """HTML for the case page or an admin read-only field (escaped by the template; safe to mark_safe)."""
    assessment = _assessment(chargeback)
    context = {"chargeback": chargeback, "assessment": assessment}
    if assessment is not None:
        labels = dict(CheckStatus.choices)
        checks = [
            {**c, "status_label": labels.get(c.get("status"), c.get("status")), "text": check_text(c)}
            for c in assessment.checks
        ]
        assessment.checks = checks  # display copy only; never saved from here
        context |= {
            "summary": summary_text(assessment, checks),
            "recovery": Money(assessment.expected_recovery, assessment.currency).localized(),
            "confidence_percent": int(assessment.confidence * 100),
            "evidence_missing": [_evidence_label(kind) for kind in assessment.evidence_missing],
            "overdue": is_overdue(chargeback),
            "rule_note": assessment.rule.note[:160] if assessment.rule_id and assessment.rule else "",
        }
    return render_to_string("refunds/verdict.html", context)


def check_text(item: dict) -> str:
    """A stored check in the reader's language (checks stored before messages were kept show as stored)."""
    message = item.get("message")
    if not message:
        return item.get("text", "")
    # Values that are our own words (a window's anchor, why a deadline is provisional) are in the
    # catalogue too; names, numbers and dates are not, and stay as they are.
    params = {name: gettext(value) if value else value for name, value in item.get("params", {}).items()}
    try:
        return gettext(message) % params
    except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder: say it in English
        return item.get("text", "")


def summary_text(assessment, translated_checks: list[dict]) -> str:
    """The verdict's reason, translated; the family's conclusion after it as the stored summary has it."""
    parts = assessment.summary_parts or {}
    if not parts.get("message"):
        return assessment.summary.partition(": ")[2] or assessment.summary
    try:
        text = gettext(parts["message"]) % parts.get("params", {})
    except (KeyError, TypeError, ValueError):
        return assessment.summary.partition(": ")[2] or assessment.summary
    if parts.get("explained"):
        conclusion = next((c["text"] for c in reversed(translated_checks) if c["code"].endswith(".conclusion")), "")
        text += f" ({conclusion.lstrip('→ ')})"
    return text


def _evidence_label(kind: str) -> str:
    return dict(ProofKind.choices).get(kind, kind)


def verdict_data(chargeback) -> dict | None:
    """The verdict for the API: plain JSON-ready values, amounts as strings."""
    assessment = _assessment(chargeback)
    if assessment is None:
        return None
    return {
        "recommendation": assessment.recommendation,
        "summary": assessment.summary,
        "expected_recovery": {"amount": str(assessment.expected_recovery), "currency": assessment.currency},
        "confidence": str(assessment.confidence),
        "match_status": assessment.match_status,
        "checks": [{key: c[key] for key in ("code", "status", "text") if key in c} for c in assessment.checks],
        "evidence_present": assessment.evidence_present,
        "evidence_missing": assessment.evidence_missing,
        "matched_documents": assessment.matched,
        "disputable_from": chargeback.disputable_from,
        "due_on": chargeback.due_on,
        "target_on": chargeback.target_on,
        "rule_id": assessment.rule_id,
        "max_dispute_rounds": assessment.rule.max_dispute_rounds if assessment.rule_id else None,
        "evaluated_at": assessment.evaluated_at,
    }
