"""What a person needs to decide on a case, in words: the verdict, the deadlines, what is missing, what next.

One dict for one template (`refunds/decision.html`), included by the case page and the approval
page so a manager approves on exactly what the preparer saw. Read from the stored assessment
(re-evaluated after every upload, `refunds.services.evidence`) and the case's live evidence.
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from acorn_portal.formatting import local_date
from acorn_portal.money import Money, MoneyError
from refunds.choices import CLOSED_STATES, ChargebackState, CheckStatus, ProofKind
from refunds.services.deadlines import is_overdue
from refunds.services.stored_text import translate_stored

S = ChargebackState

# "(Threecolts)", "(Refunzo, AMZ Sellers Attorney)": a parenthesis that only names who said it.
_PARENTHESIS = re.compile(r"\s*\(([^()]*)\)")
_CONNECTORS = {"and", "or", "&"}


def _names_a_source(text: str, stems: set[str]) -> bool:
    words = [w for w in re.split(r"[,\s]+", text) if w]
    if not words or any(ch.isdigit() or ch in "/§." for ch in text):
        return False
    if any(word.lower().strip(",") in stems for word in words):
        return True
    return all(word[0].isupper() or word.lower() in _CONNECTORS for word in words)


def _source_stems(sources) -> set[str]:
    stems = set()
    for url in sources or []:
        host = re.sub(r"^https?://", "", str(url)).split("/")[0].lower()
        parts = [p for p in host.split(".") if p not in {"www", "help", "wiki", "blog", "supplierwiki", "en", "de"}]
        if parts:
            stems.add(parts[0])
    return stems


def plain_rule_note(note: str, sources=()) -> list[str]:
    """The rule's note as whole sentences, without who-said-what: the sources are listed as links instead."""
    stems = _source_stems(sources)
    text = _PARENTHESIS.sub(lambda m: "" if _names_a_source(m.group(1), stems) else m.group(0), note or "")
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]
    return [s for s in sentences if not re.match(r"(?i)^sources?\b", s)]


def _money(amount, currency: str) -> str:
    """An amount in the reader's number format; a bad currency code shows what was stored."""
    try:
        return Money(amount, currency).localized()
    except MoneyError:
        return f"{amount} {currency}"


# Documents and deadline notes as the matchers store them in a check's values ("invoice INV-1",
# "window: invoice date unknown…"), each with its words for the reader; the numbers stay as stored.
_PARAM_PATTERNS = [
    (re.compile(r"PO (?P<po>\S+) of invoice (?P<doc>\S+)"), gettext_noop("PO %(po)s of invoice %(doc)s")),
    (re.compile(r"(?P<what>.+) of invoice (?P<doc>\S+)"), gettext_noop("%(what)s of invoice %(doc)s")),
    (re.compile(r"invoice (?P<doc>\S+)"), gettext_noop("invoice %(doc)s")),
    (re.compile(r"PO (?P<doc>\S+)"), gettext_noop("PO %(doc)s")),
    (re.compile(r"a line for (?P<doc>\S+) on PO"), gettext_noop("a line for %(doc)s on PO")),
    (re.compile(r"window: (?P<what>.+)"), gettext_noop("window: %(what)s")),
    (re.compile(r"blackout: (?P<what>.+)"), gettext_noop("blackout: %(what)s")),
]


def param_text(value) -> str:
    """A check's stored value in the reader's words: our phrases translated, names and numbers kept."""
    if not isinstance(value, str):
        return value
    parts = value.split(", ")
    if len(parts) > 1:
        return _(", ").join(param_text(part) for part in parts)
    if (whole := _(value)) != value:  # a phrase of ours ("invoice date") before the document patterns
        return whole
    return translate_stored(value, _PARAM_PATTERNS, lambda key, text: param_text(text) if key == "what" else text)


def check_text(item: dict) -> str:
    """A stored check in the reader's language (checks stored before messages were kept show as stored)."""
    message = item.get("message")
    if not message:
        return item.get("text", "")
    # Values that are our own words (a window's anchor, why a deadline is provisional) are in the
    # catalogue too; names, numbers and dates are not, and stay as they are.
    params = {name: param_text(value) if value else value for name, value in item.get("params", {}).items()}
    try:
        return _(message) % params
    except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder: say it in English
        return item.get("text", "")


def summary_text(assessment, translated_checks: list[dict]) -> str:
    """The verdict's reason, translated; the family's conclusion after it as the stored summary has it."""
    parts = assessment.summary_parts or {}
    if not parts.get("message"):
        return assessment.summary.partition(": ")[2] or assessment.summary
    try:
        text = _(parts["message"]) % parts.get("params", {})
    except (KeyError, TypeError, ValueError):
        return assessment.summary.partition(": ")[2] or assessment.summary
    if parts.get("explained"):
        conclusion = next((c["text"] for c in reversed(translated_checks) if c["code"].endswith(".conclusion")), "")
        text += f" ({conclusion.lstrip('→ ')})"
    return text


def _status(labels: dict, check: dict) -> str:
    return labels.get(check.get("status"), check.get("status"))


def _assessment(chargeback):
    try:
        return chargeback.assessment
    except chargeback._meta.model.assessment.RelatedObjectDoesNotExist:
        return None


def next_step(case, missing_labels: list[str], assessment) -> str:
    """One sentence: what the case needs from someone now."""
    recommendation = assessment.recommendation if assessment is not None else ""
    if case.state in CLOSED_STATES:
        return _("Nothing left to do: the case is closed.")
    if case.state == S.WAITING:
        return _("Wait: Amazon accepts disputes from %(date)s.") % {"date": local_date(case.disputable_from)}
    if case.state in (S.NEW, S.IN_REVIEW):
        if recommendation == "accept":
            return _("Amazon's claim holds: accept the deduction with a reason (a manager decides above the limit).")
        if missing_labels:
            return _("Upload the missing evidence: %(items)s.") % {"items": "; ".join(missing_labels)}
        if case.state == S.NEW:
            return _("Start the review.")
        return _("Build the dispute packet, check it, and request approval.")
    return {
        S.PENDING_APPROVAL: _("An approver reads this decision, then approves the dispute or sends it back."),
        S.APPROVED: _("File the dispute in Vendor Central with the packet, then record Amazon's case id."),
        S.DISPUTED: _("Wait for Amazon's answer and record it (approved or denied)."),
        S.AMAZON_APPROVED: _("Record the recovery once the credit shows in a remittance."),
        S.DENIED: _("Re-dispute with stronger evidence while rounds are left; otherwise legal opens a settlement."),
        S.SETTLEMENT: _("Record the settlement terms, then the recovery or the write-off."),
    }.get(case.state, "")


def decision(chargeback) -> dict:
    """The decision panel's data: verdict, checks in words, deadlines, what is missing, what to do next."""
    assessment = _assessment(chargeback)
    status_labels = dict(CheckStatus.choices)
    missing = [req.label for req in chargeback.missing_evidence()] if chargeback.pk else []
    data = {
        "chargeback": chargeback,
        "assessment": assessment,
        "amount": _money(chargeback.amount, chargeback.currency),
        "overdue": is_overdue(chargeback),
        "days_left": chargeback.days_left(),
        "missing_files": missing,
        "next_step": next_step(chargeback, missing, assessment),
    }
    if assessment is None:
        return data
    proof_labels = dict(ProofKind.choices)
    rule = assessment.rule if assessment.rule_id else None
    checks = [
        {
            **check,
            "status_label": status_labels.get(check.get("status"), check.get("status")),
            "text": check_text(check),
        }
        for check in assessment.checks
    ]
    data |= {
        "summary": summary_text(assessment, checks),
        "recovery": _money(assessment.expected_recovery, assessment.currency),
        "confidence_percent": int(assessment.confidence * 100),
        "checks": checks,
        "proof_missing": [str(proof_labels.get(kind, kind)) for kind in assessment.evidence_missing],
        "rule": rule,
        "rule_sentences": plain_rule_note(rule.note, rule.sources) if rule else [],
        "rule_sources": list(rule.sources or []) if rule else [],
    }
    return data
