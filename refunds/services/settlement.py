"""Settlement: the terms legal negotiates once Amazon's dispute rounds are spent, and legal's review of them.

Terms are recorded on a case in settlement (amount offered, amount accepted, the signed agreement as
a file); where the organization requires it (`WorkflowSettings.settlement_requires_legal_review`)
legal reviews them before the case can be recovered or written off (`settlement_reviewed`).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from acorn_portal import clock
from acorn_portal.money import Money, MoneyError, check_amount_precision, to_decimal
from acorn_portal.services.events import emit_event
from acorn_portal.tenancy import perm_in_org
from refunds.choices import ChargebackState, EvidenceKind
from refunds.models import Chargeback, SettlementTerms


def _amount(value, case: Chargeback, field: str):
    if value in (None, ""):
        return None
    try:
        amount = check_amount_precision(to_decimal(value, field=field), case.currency, field=field)
    except MoneyError as exc:
        raise ValidationError({field: str(exc)}) from None
    if amount < 0 or amount > case.amount:
        raise ValidationError({field: f"Give an amount from 0 to {Money(case.amount, case.currency)}."})
    return amount


def record_settlement_terms(
    *, chargeback: Chargeback, actor, amount_offered, amount_accepted=None, agreement=None, note: str = ""
) -> SettlementTerms:
    """Record (or update) the terms; a change after legal's review asks for a new review."""
    from refunds.services.evidence import add_evidence

    if not perm_in_org(actor, "refunds.open_settlement", chargeback.organization_id):
        raise PermissionDenied(_("You may not record settlement terms."))
    if chargeback.state != ChargebackState.SETTLEMENT:
        raise ValidationError(_("Settlement terms are recorded on a case in settlement."))
    offered = _amount(amount_offered, chargeback, "amount_offered")
    if offered is None:
        raise ValidationError({"amount_offered": "This is required."})
    accepted = _amount(amount_accepted, chargeback, "amount_accepted")
    with transaction.atomic():
        terms = SettlementTerms.objects.select_for_update().filter(chargeback=chargeback).first()
        terms = terms or SettlementTerms(chargeback=chargeback)
        terms.amount_offered, terms.amount_accepted, terms.note = offered, accepted, note
        terms.recorded_by, terms.recorded_at = actor, clock.now()
        terms.reviewed_by = terms.reviewed_at = None  # new terms, new review
        terms.review_note = ""
        if agreement is not None:
            terms.agreement = add_evidence(
                chargeback=chargeback,
                actor=actor,
                kind=EvidenceKind.OTHER,
                upload=agreement,
                note="Settlement agreement",
            )
        terms._history_user = actor
        terms.save()
        emit_event(
            "chargeback.settlement_terms",
            organization=chargeback.account.organization,
            obj=chargeback,
            payload={
                "amazon_id": chargeback.amazon_id,
                "amount_offered": str(Money(offered, chargeback.currency).quantized().amount),
                "amount_accepted": None
                if accepted is None
                else str(Money(accepted, chargeback.currency).quantized().amount),
                "currency": chargeback.currency,
            },
        )
    return terms


def review_settlement(*, chargeback: Chargeback, actor, note: str = "") -> SettlementTerms:
    """Legal's review of the recorded terms (required before closing where the organization says so)."""
    if not perm_in_org(actor, "refunds.approve_settlement", chargeback.organization_id):
        raise PermissionDenied(_("Only legal reviews settlement terms."))
    with transaction.atomic():
        terms = SettlementTerms.objects.select_for_update().filter(chargeback=chargeback).first()
        if terms is None:
            raise ValidationError(_("Record the settlement terms first."))
        if terms.amount_accepted is None:
            raise ValidationError(_("Record the amount accepted before the review."))
        terms.reviewed_by, terms.reviewed_at, terms.review_note = actor, clock.now(), note
        terms._history_user = actor
        terms.save()
        emit_event(
            "chargeback.settlement_reviewed",
            organization=chargeback.account.organization,
            obj=chargeback,
            payload={"amazon_id": chargeback.amazon_id, "reviewer": actor.get_username()},
        )
    return terms
