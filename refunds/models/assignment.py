"""Teams and the organization's rules that route new cases to a team or a person."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from acorn_portal.money import CURRENCY_CHOICES
from acorn_portal.tenancy import TenantQuerySet
from refunds.choices import AssignmentStrategy, DeductionFamily
from refunds.models.base import MoneyField


class Team(models.Model):
    """A group of people of one organization who share a queue."""

    organization = models.ForeignKey("acorn_portal.Organization", on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=100)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="acorn_teams")
    strategy = models.CharField(
        max_length=20,
        choices=AssignmentStrategy.choices,
        default=AssignmentStrategy.LEAST_LOADED,
        help_text=_("How a case routed to the team picks a member."),
    )
    # Round robin cursor: the member who got the last case (the next one goes to the member after).
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    tenant_path = "organization"
    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["last_assigned"])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="unique_team_name_per_org")]
        ordering = ["organization", "name"]

    def __str__(self):
        return self.name


class AssignmentRule(models.Model):
    """Route matching new cases to a team or a person; the lowest priority number that matches wins.

    Empty criteria match everything. An amount band needs its currency, because amounts of
    different currencies are never compared.
    """

    organization = models.ForeignKey("acorn_portal.Organization", on_delete=models.CASCADE, related_name="+")
    priority = models.PositiveIntegerField(default=100)
    is_active = models.BooleanField(default=True)
    account = models.ForeignKey(
        "acorn_portal.VendorAccount", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    family = models.CharField(max_length=30, choices=DeductionFamily.choices, blank=True)
    deduction_type = models.CharField(max_length=80, blank=True)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, blank=True)
    min_amount = MoneyField(null=True, blank=True, help_text=_("Inclusive."))
    max_amount = MoneyField(null=True, blank=True, help_text=_("Exclusive."))
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    tenant_path = "organization"
    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["organization", "priority", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(team__isnull=False, user__isnull=True)
                | models.Q(team__isnull=True, user__isnull=False),
                name="assignment_rule_one_target",
            )
        ]

    def __str__(self):
        return f"#{self.priority} → {self.team or self.user}"

    def clean(self):
        errors = {}
        if (self.team_id is None) == (self.user_id is None):
            errors["team"] = "Route to either a team or a person."
        if (self.min_amount is not None or self.max_amount is not None) and not self.currency:
            errors["currency"] = "An amount band needs its currency."
        if self.account_id and self.account.organization_id != self.organization_id:
            errors["account"] = "The account belongs to another organization."
        if self.team_id and self.team.organization_id != self.organization_id:
            errors["team"] = "The team belongs to another organization."
        if self.user_id and not self.user.memberships.filter(organization_id=self.organization_id).exists():
            errors["user"] = "This person is not a member of the organization."
        if errors:
            raise ValidationError(errors)

    def matches(self, chargeback) -> bool:
        """True if the case fits every criterion this rule sets."""
        if self.account_id and chargeback.account_id != self.account_id:
            return False
        if self.family and chargeback.family != self.family:
            return False
        if self.deduction_type and chargeback.deduction_type != self.deduction_type:
            return False
        if self.currency and chargeback.currency != self.currency:
            return False
        if self.min_amount is not None and chargeback.amount < self.min_amount:
            return False
        return not (self.max_amount is not None and chargeback.amount >= self.max_amount)
