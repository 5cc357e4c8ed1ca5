"""The verdict as people and the API see it: one HTML snippet and one plain dict, from the stored assessment."""

import contextlib

from django.template.loader import render_to_string

from acorn_portal.money import MoneyError, quantize


def _assessment(chargeback):
    try:
        return chargeback.assessment
    except chargeback._meta.model.assessment.RelatedObjectDoesNotExist:
        return None


def render_verdict(chargeback) -> str:
    """The decision panel as HTML (escaped by the template; safe to mark_safe)."""
    from refunds.services.decision import decision

    return render_to_string("refunds/decision.html", {"decision": decision(chargeback)})


def _money(amount, currency: str) -> dict | None:
    """An amount as a string at its currency's precision ("12.50", "1250" for JPY), never 4 decimals."""
    if amount is None:
        return None
    with contextlib.suppress(MoneyError):  # an unknown currency: the stored amount as it is
        amount = quantize(amount, currency)
    return {"amount": str(amount), "currency": currency}


def verdict_data(chargeback) -> dict | None:
    """The verdict for the API: plain JSON-ready values, amounts as strings."""
    assessment = _assessment(chargeback)
    if assessment is None:
        return None
    return {
        "recommendation": assessment.recommendation,
        "summary": assessment.summary,
        "expected_recovery": _money(assessment.expected_recovery, assessment.currency),
        "confidence": str(assessment.confidence),
        "match_status": assessment.match_status,
        "checks": [{key: c[key] for key in ("code", "status", "text") if key in c} for c in assessment.checks],
        "evidence_present": assessment.evidence_present,
        "evidence_missing": assessment.evidence_missing,
        "matched_documents": assessment.matched,
        "disputable_from": chargeback.disputable_from,
        # The case says due_date, so the verdict does too; due_on/target_on are deprecated aliases
        # kept for v1 clients (docs/API_CHANGELOG.md).
        "due_date": chargeback.due_on,
        "target_date": chargeback.target_on,
        "due_on": chargeback.due_on,
        "target_on": chargeback.target_on,
        "rule_id": assessment.rule_id,
        "max_dispute_rounds": assessment.rule.max_dispute_rounds if assessment.rule_id else None,
        "evaluated_at": assessment.evaluated_at,
    }
