"""The demo organization's workflow set-up: a team, routing rules, approval thresholds, and one denied case.

Idempotent like the rest of the demo. Cases are routed by the scheduled `auto_assign_cases` task,
not here, so seeding stays fast and every assignment is made (and audited) by the one service.
"""

from decimal import Decimal

from django.db import transaction
from fpdf import FPDF

from refunds.choices import AssignmentStrategy, ChargebackState, DeductionFamily, Recommendation
from refunds.models import ApprovalThreshold, AssignmentRule, Chargeback, Team, WorkflowSettings
from refunds.services import workflow
from refunds.services.evidence import add_evidence, upload_from_bytes

# Second approval by finance from these amounts up, per currency of the demo accounts.
DEMO_THRESHOLDS = {"USD": Decimal("5000"), "CAD": Decimal("6500"), "EUR": Decimal("4500")}


def ensure_demo_workflow(organization, users: dict) -> Team:
    """A "Disputes" team of the people who prepare (never the managers who approve), routing rules, thresholds."""
    with transaction.atomic():
        team, _ = Team.objects.get_or_create(
            organization=organization, name="Disputes", defaults={"strategy": AssignmentStrategy.LEAST_LOADED}
        )
        team.members.add(*[users[name] for name in ("ops", "ops2") if name in users])
        if not AssignmentRule.objects.filter(organization=organization).exists():
            AssignmentRule.objects.create(
                organization=organization, priority=10, family=DeductionFamily.SHORTAGE, team=team
            )
            AssignmentRule.objects.create(organization=organization, priority=100, team=team)
        for currency, amount in DEMO_THRESHOLDS.items():
            ApprovalThreshold.objects.get_or_create(
                organization=organization, currency=currency, defaults={"amount": amount}
            )
        WorkflowSettings.objects.get_or_create(organization=organization)
    return team


def _demo_pdf(title: str) -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 10, title)
    return bytes(pdf.output())


def _file_and_deny(case, users: dict, round_number: int):
    """One dispute round through the services, as the people would: prepare, approve, file, denied."""
    for requirement in case.missing_evidence():
        kind = sorted(requirement.kinds)[0]
        upload = upload_from_bytes(_demo_pdf(f"{requirement.label} for {case.amazon_id}"), f"{kind}.pdf")
        add_evidence(chargeback=case, actor=users["ops"], kind=kind, upload=upload)
    case = workflow.request_approval(chargeback=Chargeback.objects.get(pk=case.pk), actor=users["ops"])
    case = workflow.approve_dispute(chargeback=case, actor=users["manager"])
    if case.requires_second_approval:
        case = workflow.approve_dispute(chargeback=case, actor=users["finance"])
    case = workflow.file_dispute(chargeback=case, actor=users["ops"], amazon_case_id=f"DEMO-{case.pk}-{round_number}")
    reason = (
        "Amazon: the proof of delivery does not show the carton count."
        if round_number == 1
        else ("Amazon: dispute closed, no further appeal.")
    )
    return workflow.record_amazon_denial(chargeback=case, actor=users["finance"], reason=reason)


def ensure_demo_denied_case(organization, users: dict):
    """One case Amazon denied in every round, so legal has settlement work to show; idempotent.

    Walked through the workflow services by the demo's people (nothing is written around them).
    Returns the case, or None when no deduction fits (then nothing is done).
    """
    cases = Chargeback.objects.filter(account__organization=organization).select_related("account__organization")
    done = cases.filter(
        state__in=[ChargebackState.DENIED, ChargebackState.SETTLEMENT], filed_case_id__startswith="DEMO-"
    ).first()
    if done is not None:
        return done
    for case in cases.filter(state=ChargebackState.NEW, recommendation=Recommendation.DISPUTE).order_by("amount", "pk")[
        :20
    ]:
        if case.disputable_from and case.disputable_from > case.local_today():
            continue
        if case.due_on is None or case.due_on < case.local_today():
            continue
        case = workflow.start_review(chargeback=case, actor=users["ops"])
        for round_number in range(1, 4):
            case = _file_and_deny(case, users, round_number)
            limit = case.max_dispute_rounds()
            if limit is not None and case.dispute_round >= limit:
                return case
            case = workflow.redispute(chargeback=case, actor=users["ops"])
        return case
    return None
