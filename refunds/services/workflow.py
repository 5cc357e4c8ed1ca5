"""The verbs of the case workflow: one function per transition, the only way in.

The admin, the API and scheduled tasks all call these. Each one, in one transaction:
1. re-reads the case FOR UPDATE and refuses if it changed since the caller read it (`CaseChanged`),
2. checks the transition's permission for the actor in the case's organization and its conditions,
   explaining a refusal in words (`PermissionDenied`, `WorkflowError`),
3. runs the pure transition, saves with the actor and reason in the history, and writes the outbox
   events, so a failure anywhere leaves nothing half-applied.

`actor=None` means the scheduler; only transitions marked `system` accept it.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext, gettext_noop
from django_fsm import ConcurrentTransition, TransitionNotAllowed, can_proceed, has_transition_perm

from acorn_portal import clock
from acorn_portal.money import Money, MoneyError, check_amount_precision, quantize, to_decimal
from acorn_portal.services.events import emit_event
from acorn_portal.tenancy import perm_in_org, same_person
from refunds.choices import ApprovalDecision, ApprovalLevel, ChargebackState
from refunds.models import Approval, ApprovalThreshold, Chargeback, Comment, RemittanceLine
from refunds.services.notifications import notify_approval_requested

CASE_CHANGED_MESSAGE = gettext_noop(
    "This case changed while you were looking at it. Reload it to see what changed, then try again."
)


class CaseChanged(ConcurrentTransition):
    """Someone else changed the case between the moment the caller read it and this change."""

    def __init__(self, message=CASE_CHANGED_MESSAGE):
        super().__init__(message)


class WorkflowError(TransitionNotAllowed):
    """The transition does not apply now (wrong state, a condition unmet); the message says why."""


# --- the shared steps -----------------------------------------------------------------------------


def _lock(chargeback: Chargeback) -> Chargeback:
    """The case re-read under a row lock; refused if its workflow moved on since the caller read it."""
    # of=("self",): PostgreSQL refuses FOR UPDATE across the nullable side of an outer join (trap 7).
    case = (
        Chargeback.objects.select_for_update(of=("self",)).select_related("account__organization").get(pk=chargeback.pk)
    )
    if case.workflow_version != chargeback.workflow_version:
        raise CaseChanged()
    return case


def transition_for(case: Chargeback, name: str):
    """The FSM transition `name` leaving the case's current state, or None."""
    return getattr(case, name)._django_fsm.get_transition(case.state)


def label_of(name: str) -> str:
    """The label of a transition, whatever state it leaves from, in English (as history and events keep it)."""
    method = getattr(Chargeback, name)
    return next(iter(method._django_fsm.transitions.values())).custom.get("label", name)


def action_label(name: str) -> str:
    """The label of a transition in the reader's language (buttons, messages)."""
    return gettext(label_of(name))


def _guard(case: Chargeback, name: str, actor) -> None:
    """Raise unless `actor` (None: the scheduler) may take transition `name` on the case now.

    Checks in the order a person needs the answer: is it possible from this state, may I, and
    what is still missing.
    """
    transition = transition_for(case, name)
    if transition is None:
        raise WorkflowError(
            gettext("“%(action)s” is not possible on a case that is %(state)s.")
            % {"action": action_label(name), "state": case.get_state_display().lower()}
        )
    if actor is None and not transition.custom.get("system"):
        raise PermissionDenied(
            gettext("“%(action)s” needs a person; the scheduler may not do it.") % {"action": action_label(name)}
        )
    if actor is not None and not transition.has_perm(case, actor):
        raise PermissionDenied(_denial(case, name, actor))
    failed = [c.message(case) if callable(c.message) else c.message for c in transition.conditions if not c(case)]
    if failed:
        raise WorkflowError(" ".join(str(m) for m in failed))
    # The library's own check, as the final word (docs/decisions/0001-transitions-through-services.md).
    if actor is not None and not has_transition_perm(getattr(case, name), actor):
        raise PermissionDenied(_denial(case, name, actor))
    if actor is None and not can_proceed(getattr(case, name)):
        raise WorkflowError(gettext("“%(action)s” is not possible now.") % {"action": action_label(name)})


def _denial(case: Chargeback, name: str, actor) -> str:
    if name == "accept_deduction" and perm_in_org(actor, "refunds.accept_deduction", case.organization_id):
        from refunds.models import WorkflowSettings

        limit = WorkflowSettings.for_organization(case.organization_id)
        return (
            f"Giving up more than {Money(limit.accept_limit, limit.accept_limit_currency)} needs a manager: "
            "ask one to accept this deduction."
        )
    if name in ("approve_dispute", "send_back"):
        from refunds.models.workflow import APPROVAL_PERMS

        approver = any(perm_in_org(actor, perm, case.organization_id) for perm in APPROVAL_PERMS.values())
        if approver and same_person(actor.pk, [case.prepared_by_id], case.organization_id):
            return gettext("You prepared this case, so someone else must approve it (four eyes).")
        if approver and same_person(actor.pk, [case.approved_by_id, case.second_approved_by_id], case.organization_id):
            return gettext("You already approved this case; the second approval must come from someone else.")
    return gettext("You may not “%(action)s” on this case.") % {"action": action_label(name)}


def _record(case: Chargeback, actor, *, name: str, source: str, note: str = "", payload: dict | None = None):
    """Save with who and why in the history, and write the outbox events, inside the caller's atomic."""
    case.workflow_version += 1
    if case.state != source:
        case.state_changed_at = clock.now()
    reason = label_of(name) + (f": {note}" if note else "")
    case._change_reason = reason
    case._history_user = actor
    case.save()
    data = {
        "amazon_id": case.amazon_id,
        "transition": name,
        "from": source,
        "to": case.state,
        "actor": actor.get_username() if actor else None,
        "reason": reason,
        "dispute_round": case.dispute_round,
        **(payload or {}),
    }
    organization = case.account.organization
    if case.state != source:
        emit_event("chargeback.state_changed", organization=organization, obj=case, payload=data)
    specific = EVENTS.get(name)
    if callable(specific):
        specific = specific(case)
    if specific:
        emit_event(specific, organization=organization, obj=case, payload=data)
    return case


EVENTS = {
    "approve_dispute": lambda case: (
        "chargeback.approved" if case.state == ChargebackState.APPROVED else "chargeback.approval_recorded"
    ),
    "file_dispute": "chargeback.disputed",
    "record_amazon_approval": "chargeback.amazon_approved",
    "record_amazon_denial": "chargeback.denied",
    "record_recovery": "chargeback.recovered",
    "write_off": "chargeback.written_off",
    "accept_deduction": "chargeback.accepted",
    "expire": "chargeback.expired",
    "send_back": "chargeback.sent_back",
    "reopen_approval": "chargeback.approval_reopened",
}


def _money(amount: Decimal | None, case: Chargeback) -> str | None:
    """An amount for an event payload, at the currency's precision (the database keeps 4 places)."""
    return None if amount is None else str(quantize(amount, case.currency))


def _required_text(value: str, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: "This is required."})
    return text


def _amount(value, case: Chargeback, field: str = "amount", *, up_to: Decimal | None = None) -> Decimal:
    """A positive amount in the case's currency, at most `up_to` (default: the deduction)."""
    try:
        amount = check_amount_precision(to_decimal(value, field=field), case.currency, field=field)
    except MoneyError as exc:
        raise ValidationError({field: str(exc)}) from None
    limit = case.amount if up_to is None else up_to
    if amount <= 0 or amount > limit:
        raise ValidationError(
            {
                field: gettext("Give an amount above 0 and at most %(limit)s.")
                % {"limit": Money(limit, case.currency).localized()}
            }
        )
    return amount


# --- one function per transition -------------------------------------------------------------------


def start_review(*, chargeback: Chargeback, actor, note: str = "") -> Chargeback:
    """Start working a new case; refused while Amazon does not accept disputes yet or after the window."""
    with transaction.atomic():
        case = _lock(chargeback)
        _guard(case, "start_review", actor)
        source = case.state
        case.start_review(by=actor)
        return _record(case, actor, name="start_review", source=source, note=note)


def wait_until_disputable(*, chargeback: Chargeback, actor=None) -> Chargeback:
    """Park a case during Amazon's blackout (normally the scheduler)."""
    with transaction.atomic():
        case = _lock(chargeback)
        _guard(case, "wait_until_disputable", actor)
        source = case.state
        case.wait_until_disputable(by=actor)
        return _record(
            case, actor, name="wait_until_disputable", source=source, note=f"disputable from {case.disputable_from}"
        )


def release(*, chargeback: Chargeback, actor=None) -> Chargeback:
    """Put a parked case back in the queue once Amazon accepts disputes (normally the scheduler)."""
    with transaction.atomic():
        case = _lock(chargeback)
        _guard(case, "release", actor)
        source = case.state
        case.release(by=actor)
        return _record(case, actor, name="release", source=source, note="Amazon now accepts disputes")


def accept_deduction(*, chargeback: Chargeback, actor, reason: str) -> Chargeback:
    """The deduction is valid: close the case, writing the amount off, with a reason."""
    reason = _required_text(reason, "reason")
    with transaction.atomic():
        case = _lock(chargeback)
        _guard(case, "accept_deduction", actor)
        source = case.state
        case.accept_deduction(by=actor, reason=reason)
        return _record(case, actor, name="accept_deduction", source=source, note=reason)


def request_approval(*, chargeback: Chargeback, actor, note: str = "") -> Chargeback:
    """The preparer asks for approval; finance's second approval is required above the threshold."""
    with transaction.atomic():
        case = _lock(chargeback)
        _guard(case, "request_approval", actor)
        source = case.state
        second = ApprovalThreshold.second_approval_needed(
            organization_id=case.organization_id, amount=case.amount, currency=case.currency
        )
        case.request_approval(by=actor, second_approval=second)
        _record(case, actor, name="request_approval", source=source, note=note, payload={"second_approval": second})
        notify_approval_requested(chargeback=case, actor=actor)
        return case


def send_back(*, chargeback: Chargeback, actor, comment: str) -> Chargeback:
    """An approver returns the case to in review; the comment is required and kept on the case."""
    comment = _required_text(comment, "comment")
    with transaction.atomic():
        case = _lock(chargeback)
        _guard(case, "send_back", actor)
        source = case.state
        level = (case.approval_levels_open_to(actor) or [ApprovalLevel.MANAGER])[0]
        case.send_back(by=actor, comment=comment)
        Approval.objects.create(
            chargeback=case,
            round=case.dispute_round + 1,
            level=level,
            decision=ApprovalDecision.SENT_BACK,
            approver=actor,
            comment=comment,
        )
        Comment.objects.create(chargeback=case, author=actor, body=f"Sent back: {comment}")
        return _record(case, actor, name="send_back", source=source, note=comment)


def approve_dispute(*, chargeback: Chargeback, actor, note: str = "") -> Chargeback:
    """Give one approval (the manager's, or finance's second); the case is approved once all are in."""
    with transaction.atomic():
        case = _lock(chargeback)
        _guard(case, "approve_dispute", actor)
        source = case.state
        level = case.approval_levels_open_to(actor)[0]
        case.approve_dispute(by=actor, level=level)
        Approval.objects.create(
            chargeback=case,
            round=case.dispute_round + 1,
            level=level,
            decision=ApprovalDecision.APPROVED,
            approver=actor,
            comment=note,
        )
        with translation.override(None):  # the history keeps English
            label = str(ApprovalLevel(level).label)
        return _record(
            case,
            actor,
            name="approve_dispute",
            source=source,
            note=f"{label}" + (f" — {note}" if note else ""),
            payload={"level": level},
        )


def file_dispute(*, chargeback: Chargeback, actor, amazon_case_id: str, filed_on: date | None = None) -> Chargeback:
    """Record that the approved dispute was filed with Amazon, with Amazon's case id and the date."""
    amazon_case_id = _required_text(amazon_case_id, "amazon_case_id")
    with transaction.atomic():
        case = _lock(chargeback)
        _guard(case, "file_dispute", actor)
        if filed_on and filed_on > case.local_today():
            raise ValidationError({"filed_on": "The filing date cannot be in the future."})
        if filed_on and filed_on < case.issue_date:
            issued = f"{case.issue_date:%Y-%m-%d}"
            raise ValidationError({"filed_on": f"The filing date cannot be before the deduction ({issued})."})
        source = case.state
        case.file_dispute(by=actor, case_id=amazon_case_id, filed_on=filed_on)
        return _record(
            case,
            actor,
            name="file_dispute",
            source=source,
            note=f"Amazon case {amazon_case_id}, round {case.dispute_round}",
            payload={"amazon_case_id": amazon_case_id, "filed_on": case.filed_on},
        )


def record_amazon_approval(*, chargeback: Chargeback, actor, amount=None, note: str = "") -> Chargeback:
    """Amazon approved the dispute, fully or for `amount`; the money is not counted until it arrives."""
    with transaction.atomic():
        case = _lock(chargeback)
        _guard(case, "record_amazon_approval", actor)
        approved = case.amount if amount in (None, "") else _amount(amount, case)
        source = case.state
        case.record_amazon_approval(by=actor, amount=approved)
        return _record(
            case,
            actor,
            name="record_amazon_approval",
            source=source,
            note=f"{Money(approved, case.currency)} approved" + (f" — {note}" if note else ""),
            payload={"amount": _money(approved, case), "currency": case.currency},
        )


def record_amazon_denial(*, chargeback: Chargeback, actor, reason: str) -> Chargeback:
    """Amazon denied the dispute; the reason is Amazon's answer as recorded by finance."""
    reason = _required_text(reason, "reason")
    with transaction.atomic():
        case = _lock(chargeback)
        _guard(case, "record_amazon_denial", actor)
        source = case.state
        case.record_amazon_denial(by=actor, reason=reason)
        return _record(case, actor, name="record_amazon_denial", source=source, note=reason)


def redispute(*, chargeback: Chargeback, actor, note: str = "") -> Chargeback:
    """Take a denied case back into review for another round, while policy allows more rounds."""
    with transaction.atomic():
        case = _lock(chargeback)
        _guard(case, "redispute", actor)
        source = case.state
        case.redispute(by=actor)
        return _record(case, actor, name="redispute", source=source, note=note or f"round {case.dispute_round + 1}")


def open_settlement(*, chargeback: Chargeback, actor, note: str = "") -> Chargeback:
    """No rounds left: pursue Amazon's settlement path (legal only where the organization says so)."""
    with transaction.atomic():
        case = _lock(chargeback)
        _guard(case, "open_settlement", actor)
        source = case.state
        case.open_settlement(by=actor)
        return _record(case, actor, name="open_settlement", source=source, note=note)


def reopen_approval(*, chargeback: Chargeback, actor, what: str) -> Chargeback | None:
    """Evidence changed on an approved (or partly approved) case: it goes back for approval.

    Called inside the evidence change's own transaction, so the change and the lost approval are
    recorded together. Returns None when no approval was given yet (nothing to take back).
    """
    case = (
        Chargeback.objects.select_for_update(of=("self",)).select_related("account__organization").get(pk=chargeback.pk)
    )
    approved = case.approved_by_id is not None or case.second_approved_by_id is not None
    if case.state not in (ChargebackState.PENDING_APPROVAL, ChargebackState.APPROVED) or not approved:
        return None
    _guard(case, "reopen_approval", actor)
    source = case.state
    case.reopen_approval(by=actor)
    return _record(case, actor, name="reopen_approval", source=source, note=f"{what}; approve again")


@dataclass(frozen=True)
class _Credit:
    amount: Decimal
    reference: str
    line: RemittanceLine | None


def _check_above_approved(case: Chargeback, amount: Decimal, confirmed: bool, reason: str) -> str:
    """More than Amazon approved needs an explicit confirmation and a reason (returned for the history)."""
    approved = case.amazon_approved_amount
    total = (case.recovered_amount or 0) + amount
    if approved is None or total <= approved:
        return ""
    reason = (reason or "").strip()
    if not confirmed or not reason:
        raise ValidationError(
            {
                "amount": f"Amazon approved {Money(approved, case.currency)}; this brings the recovery to "
                f"{Money(total, case.currency)}. Confirm and say why to record more than was approved."
            }
        )
    return f"above the {Money(approved, case.currency)} Amazon approved: {reason}"


def _credit(case: Chargeback, amount, reference: str, remittance_line) -> _Credit:
    """Check a recovery against the case: same account and currency, not more than is still open."""
    if remittance_line is not None:
        line = RemittanceLine.objects.select_related("remittance").get(
            pk=getattr(remittance_line, "pk", remittance_line)
        )
        if line.remittance.account_id != case.account_id:
            raise ValidationError({"remittance_line": "That remittance belongs to another vendor account."})
        if line.currency != case.currency:
            raise ValidationError({"remittance_line": "That remittance is in another currency."})
        if line.amount <= 0:
            raise ValidationError({"remittance_line": "That remittance line is not a credit."})
        amount = line.amount if amount in (None, "") else amount
        reference = reference or f"{line.remittance.payment_number} / {line.invoice_number}"
    else:
        line = None
    if amount in (None, ""):
        raise ValidationError({"amount": "Give the amount recovered, or pick the remittance line."})
    still_open = case.amount - (case.recovered_amount or 0)
    return _Credit(_amount(amount, case, up_to=still_open), _required_text(reference, "reference"), line)


def record_recovery(
    *,
    chargeback: Chargeback,
    actor,
    amount=None,
    reference: str = "",
    remittance_line=None,
    recovered_on=None,
    confirm_above_approved: bool = False,
    above_approved_reason: str = "",
) -> Chargeback:
    """The credit arrived in a remittance: record it (partial credits add up, never above the deduction).

    More than Amazon approved is possible (Amazon sometimes pays more than it said) but needs
    `confirm_above_approved` and a reason, kept in the history.
    """
    with transaction.atomic():
        case = _lock(chargeback)
        _guard(case, "record_recovery", actor)
        credit = _credit(case, amount, reference, remittance_line)
        above = _check_above_approved(case, credit.amount, confirm_above_approved, above_approved_reason)
        if recovered_on and recovered_on > case.local_today():
            raise ValidationError({"recovered_on": "The recovery date cannot be in the future."})
        source = case.state
        case.record_recovery(
            by=actor, amount=credit.amount, recovered_on=recovered_on, reference=credit.reference, line=credit.line
        )
        return _record(
            case,
            actor,
            name="record_recovery",
            source=source,
            note=f"{Money(credit.amount, case.currency)} ({credit.reference})" + (f"; {above}" if above else ""),
            payload={
                "amount": _money(credit.amount, case),
                "recovered_total": _money(case.recovered_amount, case),
                "currency": case.currency,
                "reference": credit.reference,
            },
        )


def write_off(*, chargeback: Chargeback, actor, reason: str) -> Chargeback:
    """Give up on what was not recovered, with a reason."""
    reason = _required_text(reason, "reason")
    with transaction.atomic():
        case = _lock(chargeback)
        _guard(case, "write_off", actor)
        source = case.state
        case.write_off(by=actor, reason=reason)
        return _record(
            case,
            actor,
            name="write_off",
            source=source,
            note=reason,
            payload={"amount": _money(case.written_off_amount, case), "currency": case.currency},
        )


def expire(*, chargeback: Chargeback, actor=None, note: str = "") -> Chargeback:
    """Close a case whose dispute window ended before it was filed (normally the scheduler)."""
    with transaction.atomic():
        case = _lock(chargeback)
        _guard(case, "expire", actor)
        source = case.state
        case.expire(by=actor)
        return _record(case, actor, name="expire", source=source, note=note or f"window closed on {case.due_on}")


# Transition name → service, for the admin and the API to dispatch by name.
SERVICES = {
    "start_review": start_review,
    "wait_until_disputable": wait_until_disputable,
    "release": release,
    "accept_deduction": accept_deduction,
    "request_approval": request_approval,
    "send_back": send_back,
    "approve_dispute": approve_dispute,
    "file_dispute": file_dispute,
    "record_amazon_approval": record_amazon_approval,
    "record_amazon_denial": record_amazon_denial,
    "redispute": redispute,
    "open_settlement": open_settlement,
    "record_recovery": record_recovery,
    "write_off": write_off,
    "expire": expire,
}


def available_transitions(chargeback: Chargeback, user) -> list:
    """The transitions this user may take now, for buttons (scheduler-only ones left out)."""
    transitions = chargeback.get_available_user_state_transitions(user)
    return [t for t in transitions if t.name in SERVICES and not t.custom.get("system")]
