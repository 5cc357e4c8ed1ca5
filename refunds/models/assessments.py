"""The verdict matching reached on a deduction: what it is about, what the documents say, what to do."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from acorn_portal.money import CURRENCY_CHOICES, Money
from acorn_portal.tenancy import TenantQuerySet
from refunds.choices import MatchStatus, Recommendation
from refunds.models.base import MoneyField


class ChargebackAssessment(models.Model):
    """One per deduction, rewritten each time matching runs (new documents, a changed rule).

    `checks` is the reasoning in words a person can verify, one entry per check:
    `{"code": "shortage.shipped", "status": "dispute", "text": "ASN 4411 shipped 120 units …"}`.
    `matched` names the documents found, by id and number, so the case page can link them. The
    recommendation is also copied onto the chargeback so lists can filter on it.
    """

    chargeback = models.OneToOneField("refunds.Chargeback", on_delete=models.CASCADE, related_name="assessment")
    recommendation = models.CharField(max_length=20, choices=Recommendation.choices)
    match_status = models.CharField(max_length=20, choices=MatchStatus.choices)
    expected_recovery = MoneyField(default=0)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    confidence = models.DecimalField(max_digits=3, decimal_places=2, help_text=_("0.00 (a guess) to 1.00 (certain)."))
    summary = models.CharField(max_length=300)
    # The summary's reason as its English message and values, so pages can show it translated.
    summary_parts = models.JSONField(default=dict, blank=True)
    checks = models.JSONField(default=list)
    evidence_present = models.JSONField(default=list, help_text=_("Evidence kinds found in the documents."))
    evidence_missing = models.JSONField(default=list, help_text=_("Evidence kinds the rule needs and nobody has yet."))
    matched = models.JSONField(default=dict)
    rule = models.ForeignKey("refunds.PolicyRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    evaluated_at = models.DateTimeField()

    tenant_path = "chargeback__account__organization"
    objects = TenantQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["recommendation"]), models.Index(fields=["match_status"])]

    def __str__(self):
        # The recommendation in the reader's language; the stored summary (English) is for the API.
        return str(self.get_recommendation_display())

    @property
    def expected_recovery_money(self) -> Money:
        return Money(self.expected_recovery, self.currency)
