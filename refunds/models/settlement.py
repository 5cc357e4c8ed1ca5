"""Settlement terms of a case Amazon denied for good: what was offered, what was accepted, the agreement."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from acorn_portal.tenancy import TenantQuerySet
from refunds.models.base import MoneyField


class SettlementTerms(models.Model):
    """One per case in settlement; amounts in the case's currency; legal's review where the organization asks."""

    chargeback = models.OneToOneField("refunds.Chargeback", on_delete=models.PROTECT, related_name="settlement")
    amount_offered = MoneyField(help_text=_("What Amazon (or we) offered, in the case's currency."))
    amount_accepted = MoneyField(null=True, blank=True, help_text=_("What was agreed; empty while negotiating."))
    agreement = models.ForeignKey(
        "refunds.Evidence", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    tenant_path = "chargeback__account__organization"
    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "settlement terms"
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_offered__gte=0), name="settlement_offer_not_negative"),
        ]

    def __str__(self):
        return f"Settlement of {self.chargeback_id}"
