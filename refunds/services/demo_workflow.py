"""The demo organization's workflow set-up: a team, routing rules and approval thresholds.

Idempotent like the rest of the demo. Cases are routed by the scheduled `auto_assign_cases` task,
not here, so seeding stays fast and every assignment is made (and audited) by the one service.
"""

from decimal import Decimal

from django.db import transaction

from refunds.choices import AssignmentStrategy, DeductionFamily
from refunds.models import ApprovalThreshold, AssignmentRule, Team, WorkflowSettings

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
