"""Approval policy per organization, and the record of every approval decision."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from acorn_portal.money import CURRENCY_CHOICES
from acorn_portal.tenancy import TenantQuerySet
from refunds.choices import ApprovalDecision, ApprovalLevel
from refunds.models.base import MoneyField


class ApprovalThreshold(models.Model):
    """Disputes of at least this amount need finance's second approval (one row per currency).

    Amounts of different currencies are never compared: a currency without a row needs no second
    approval.
    """

    organization = models.ForeignKey("acorn_portal.Organization", on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    amount = MoneyField(help_text=_("Second approval needed from this amount up (inclusive)."))

    tenant_path = "organization"
    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "currency"], name="unique_threshold_per_currency"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="threshold_not_negative"),
        ]
        ordering = ["organization", "currency"]

    def __str__(self):
        return f"{self.organization}: second approval from {self.amount} {self.currency}"

    @classmethod
    def second_approval_needed(cls, *, organization_id: int, amount: Decimal, currency: str) -> bool:
        """True if an amount in this currency reaches the organization's threshold for it."""
        threshold = (
            cls.objects.filter(organization_id=organization_id, currency=currency)
            .values_list("amount", flat=True)
            .first()
        )
        return threshold is not None and amount >= threshold


class WorkflowSettings(models.Model):
    """Per-organization workflow choices that are not per currency."""

    organization = models.OneToOneField(
        "acorn_portal.Organization", on_delete=models.CASCADE, related_name="workflow_settings"
    )
    settlement_requires_legal = models.BooleanField(
        default=False, help_text=_("Only legal may move a denied case to settlement.")
    )
    max_open_cases_per_person = models.PositiveIntegerField(
        default=150,
        help_text=_("Routing gives nobody more open cases than this; what does not fit waits with the team."),
    )
    settlement_requires_legal_review = models.BooleanField(
        default=False,
        help_text=_("Settlement terms must be reviewed by legal before a settled case is recovered or written off."),
    )
    accept_limit = MoneyField(
        null=True,
        blank=True,
        help_text=_("Accepting (giving up) a deduction above this amount needs a manager. Empty: no limit."),
    )
    accept_limit_currency = models.CharField(
        max_length=3,
        choices=CURRENCY_CHOICES,
        blank=True,
        help_text=_("The limit's currency; deductions in other currencies are never compared with it."),
    )

    tenant_path = "organization"
    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = _("workflow settings")

    def __str__(self):
        return f"Workflow settings of {self.organization}"

    def accept_needs_manager(self, amount: Decimal, currency: str) -> bool:
        """Giving up this amount is above the organization's limit (same currency only, as thresholds)."""
        return self.accept_limit is not None and currency == self.accept_limit_currency and amount > self.accept_limit

    def clean(self):
        from django.core.exceptions import ValidationError

        if (self.accept_limit is None) != (not self.accept_limit_currency):
            raise ValidationError(_("Give the acceptance limit with its currency, or neither."))

    @classmethod
    def for_organization(cls, organization_id: int) -> "WorkflowSettings":
        """The saved settings, or unsaved defaults when the organization never changed them."""
        found = cls.objects.filter(organization_id=organization_id).first()
        return found or cls(organization_id=organization_id)


class Approval(models.Model):
    """One approver's decision on one round of a case: an approval or a send-back with its comment."""

    chargeback = models.ForeignKey("refunds.Chargeback", on_delete=models.PROTECT, related_name="approvals")
    round = models.PositiveSmallIntegerField(help_text=_("The dispute round the decision was for (1 = first dispute)."))
    level = models.CharField(max_length=10, choices=ApprovalLevel.choices)
    decision = models.CharField(max_length=10, choices=ApprovalDecision.choices)
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_path = "chargeback__account__organization"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["chargeback", "created_at", "id"]

    def __str__(self):
        return f"{self.get_decision_display()} by {self.approver} ({self.get_level_display()}, round {self.round})"
