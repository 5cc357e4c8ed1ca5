"""The verdict as people and the API see it: one HTML snippet and one plain dict, from the stored assessment."""

from django.template.loader import render_to_string


def _assessment(chargeback):
    try:
        return chargeback.assessment
    except chargeback._meta.model.assessment.RelatedObjectDoesNotExist:
        return None


def render_verdict(chargeback) -> str:
    """The decision panel as HTML (escaped by the template; safe to mark_safe)."""
    from refunds.services.decision import decision

    return render_to_string("refunds/decision.html", {"decision": decision(chargeback)})


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
        "checks": assessment.checks,
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
