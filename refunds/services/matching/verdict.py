"""The verdict: from what matching found, the rule and the calendar to one recommendation.

Precedence, first match wins: reversed in full (credits ≥ the amount) → accept; expired (today
after Amazon's last day) → accept; a currency that cannot be compared → needs evidence; decidable
only with photos and nothing invalid → needs evidence; an invalid part left after partial credits
(a duplicate is invalid in full) → dispute, or wait while before the first day Amazon takes a
dispute (missing rule evidence asks for it; below the rule's minimum is accepted); documents that
cannot decide (a shortage without proof of delivery) → needs evidence; otherwise valid → accept.
A valid claim inside the blackout is accepted, not parked.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext_noop

from acorn_portal.money import quantize
from refunds.choices import CheckStatus, MatchStatus, Recommendation, WindowAnchor
from refunds.services.deadlines import Deadlines
from refunds.services.matching.bundle import Bundle, Finding, check


@dataclass
class Verdict:
    recommendation: str
    expected_recovery: Decimal  # what a timely dispute should bring back, net of reversals
    currency: str
    confidence: Decimal
    summary: str
    match_status: str
    summary_parts: dict = field(default_factory=dict)
    checks: list[dict] = field(default_factory=list)
    evidence_present: list[str] = field(default_factory=list)
    evidence_missing: list[str] = field(default_factory=list)


@dataclass
class Context:
    """What the verdict needs beyond the finding: the rule, its deadlines, today, the shared checks."""

    rule: object
    deadlines: Deadlines | None
    today: date
    duplicate: bool = False
    reversed_total: Decimal = Decimal(0)
    deadline_checks: list | None = None  # `deadline_checks(rule, deadlines)`, when the caller has them ready


_LABELS = {choice.value: choice.label for choice in Recommendation}
_HUNDREDTH = Decimal("0.01")


def match_status(bundle: Bundle, finding: Finding) -> str:
    if not finding.missing_documents:
        return MatchStatus.MATCHED
    found_any = bundle.po is not None or bundle.invoice is not None
    return MatchStatus.PARTIAL if found_any else MatchStatus.UNMATCHED


def decide(bundle: Bundle, finding: Finding, ctx: Context) -> Verdict:
    cb = bundle.chargeback
    status = match_status(bundle, finding)
    invalid = cb.amount if ctx.duplicate else finding.disputable
    recovery = max(Decimal(0), min(invalid, cb.amount) - ctx.reversed_total)
    recovery = quantize(recovery, cb.currency)
    required = set(ctx.rule.required_evidence or []) if ctx.rule else set()
    missing = sorted(required - finding.evidence) if not ctx.duplicate else []
    timing = ctx.deadline_checks if ctx.deadline_checks is not None else deadline_checks(ctx.rule, ctx.deadlines)
    checks = [*finding.checks, *timing]
    if status != MatchStatus.MATCHED:
        waiting = ", ".join(finding.missing_documents)
        if status == MatchStatus.UNMATCHED:
            text = gettext_noop("Unmatched — waiting for documents: %(waiting)s.")
        else:
            text = gettext_noop("Partly matched — waiting for documents: %(waiting)s.")
        checks.insert(0, check("match.waiting", CheckStatus.MISSING, text, waiting=waiting))
    recommendation, reason = _recommend(cb, finding, ctx, recovery, missing, status)
    if reason in _NOTHING_TO_RECOVER:
        recovery = quantize(Decimal(0), cb.currency)
    confidence = finding.confidence if status == MatchStatus.MATCHED else min(finding.confidence, Decimal("0.40"))
    if ctx.deadlines and ctx.deadlines.provisional:
        confidence = min(confidence, Decimal("0.70"))
    message, params = reason_message(reason, cb, recovery, ctx, finding)
    summary = f"{_LABELS[recommendation]}: {message % params}"
    conclusion = next((c["text"] for c in reversed(checks) if c["code"].endswith(".conclusion")), "")
    explained = bool(conclusion) and reason in _EXPLAINED
    if explained:
        summary += f" ({conclusion.lstrip('→ ')})"
    # The same summary in parts, for pages that show it in the reader's language (verdict_display).
    summary_parts = {"message": message, "params": params, "explained": explained}
    return Verdict(
        recommendation=recommendation,
        expected_recovery=recovery,
        currency=cb.currency,
        confidence=confidence.quantize(_HUNDREDTH),
        summary=summary[:300],
        summary_parts=summary_parts,
        match_status=status,
        checks=checks,
        evidence_present=sorted(finding.evidence),
        evidence_missing=missing,
    )


# Reasons after which a dispute brings nothing back (the summary still says what it looked like).
_NOTHING_TO_RECOVER = {"reversed", "expired", "currency", "photos", "proof", "waiting", "manual", "valid"}
_EXPLAINED = {"dispute", "valid", "blackout", "expired", "proof", "photos", "evidence", "minimum"}


def _recommend(cb, finding, ctx, recovery, missing, status) -> tuple[str, str]:
    """First match wins: reversed, expired, photo-only, an invalid part, missing proof, else valid."""
    if ctx.reversed_total and ctx.reversed_total >= cb.amount:
        return Recommendation.ACCEPT, "reversed"
    if ctx.deadlines and ctx.deadlines.is_overdue(ctx.today):
        return Recommendation.ACCEPT, "expired"
    if any(c["code"] == "common.currency" for c in finding.checks):
        return Recommendation.NEEDS_EVIDENCE, "currency"
    if finding.photo_only and not ctx.duplicate and recovery <= 0:
        return Recommendation.NEEDS_EVIDENCE, "photos"
    if recovery > 0:
        if not (finding.decided or ctx.duplicate):
            return Recommendation.NEEDS_EVIDENCE, "waiting" if status != MatchStatus.MATCHED else "proof"
        if missing:
            return Recommendation.NEEDS_EVIDENCE, "evidence"
        rule = ctx.rule
        below = rule and rule.min_amount is not None and rule.min_amount_currency == cb.currency
        if below and recovery < rule.min_amount:
            return Recommendation.ACCEPT, "minimum"
        if ctx.deadlines and ctx.deadlines.in_blackout(ctx.today):
            return Recommendation.WAIT, "blackout"
        return Recommendation.DISPUTE, "duplicate" if ctx.duplicate else "dispute"
    if not finding.decided:
        return Recommendation.NEEDS_EVIDENCE, "waiting" if status != MatchStatus.MATCHED else "proof"
    return Recommendation.ACCEPT, "valid"


def reason_message(reason: str, cb, recovery: Decimal, ctx: Context, finding: Finding) -> tuple[str, dict]:
    """The reason in words: English with %(name)s places (marked for the catalogue) and its values."""
    money = {"money": f"{recovery:,.2f} {cb.currency}"}
    fixed = {
        "currency": gettext_noop("currency mismatch — amounts cannot be compared until it is resolved"),
        "reversed": gettext_noop("Amazon already paid this back"),
        "waiting": gettext_noop("unmatched — waiting for documents"),
        "manual": gettext_noop("the documents cannot decide this one; check it by hand"),
        "valid": gettext_noop("the documents support Amazon"),
        "proof": gettext_noop("the documents cannot decide this one yet; proof is missing"),
        "photos": gettext_noop("only photos can decide this one; nothing in the data shows it invalid"),
    }
    if reason in fixed:
        return fixed[reason], {}
    if reason == "duplicate":
        return gettext_noop("%(money)s charged twice"), money
    if reason == "dispute":
        return gettext_noop("%(money)s disputable"), money
    if reason == "evidence":
        missing = ", ".join(sorted(set(ctx.rule.required_evidence) - finding.evidence))
        return gettext_noop("%(money)s looks disputable; missing evidence: %(missing)s"), {**money, "missing": missing}
    if reason == "minimum":
        minimum = f"{ctx.rule.min_amount:,.2f} {ctx.rule.min_amount_currency}"
        return gettext_noop("%(money)s is below the rule's minimum of %(minimum)s"), {**money, "minimum": minimum}
    if reason == "expired":
        return gettext_noop("Amazon's window closed on %(day)s"), {"day": str(ctx.deadlines.due_on)}
    return gettext_noop("%(money)s disputable from %(day)s"), {**money, "day": str(ctx.deadlines.disputable_from)}


def reason_text(reason: str, cb, recovery: Decimal, ctx: Context, finding: Finding) -> str:
    message, params = reason_message(reason, cb, recovery, ctx, finding)
    return message % params


def deadline_checks(rule, deadlines: Deadlines | None) -> list[dict]:
    """The checks that explain a deduction's window (the same for every deduction with these dates)."""
    if rule is None or deadlines is None:
        return [
            check(
                "deadline.no_rule",
                CheckStatus.WARNING,
                gettext_noop("No policy rule governs this deduction: no deadline."),
            )
        ]
    d = deadlines
    text = gettext_noop(
        "Rule #%(rule)s: %(days)s days from the %(anchor)s — disputable from %(disputable_from)s, "
        "Amazon's last day %(due_on)s, our target %(target_on)s."
    )
    window = {
        "rule": rule.pk,
        "days": rule.window_days,
        "anchor": WindowAnchor(rule.window_anchor).label.lower(),
        "disputable_from": d.disputable_from,
        "due_on": d.due_on,
        "target_on": d.target_on,
    }
    checks = [check("deadline.window", CheckStatus.INFO, text, **window)]
    checks += [
        check("deadline.provisional", CheckStatus.WARNING, gettext_noop("Deadline provisional: %(n)s."), n=n)
        for n in d.provisional
    ]
    return checks
