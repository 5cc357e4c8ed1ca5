"""Policy as data: the catalogue of deduction types, the dispute rules per organization, co-op terms.

Amazon changes its windows and fees without notice and the public sources disagree
(docs/AMAZON.md), so none of this is code: the catalogue and the default rules are seeded from
`refunds/data/*.json`, every rule says where it came from, and managers edit their organization's
rules in the admin with full history.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from acorn_portal.marketplaces import MARKETPLACE_CHOICES, Region
from acorn_portal.money import CURRENCY_CHOICES
from acorn_portal.tenancy import TenantQuerySet
from refunds.choices import CoopBase, DeductionFamily, ProofKind, WindowAnchor
from refunds.models.base import MoneyField


class DeductionTypeQuerySet(models.QuerySet):
    """The catalogue is Amazon's reference list, the same for every organization (like marketplaces).

    It holds no tenant data, so every signed-in member may read it; only superusers change it.
    """

    def visible_to(self, user):
        return self if user is not None and user.is_authenticated and user.is_active else self.none()


class DeductionType(models.Model):
    """One kind of deduction Amazon takes, with what the research found about it.

    `code` is the join key with `Chargeback.deduction_type`. Other sources (report files, the demo
    generator) may spell a type differently; their spellings are listed in `aliases`.
    """

    code = models.SlugField(max_length=80, unique=True)
    family = models.CharField(max_length=30, choices=DeductionFamily.choices)
    category = models.CharField(
        max_length=60, blank=True, help_text=_("Amazon's category, e.g. ASN or Transportation.")
    )
    name = models.CharField(max_length=200)
    subtypes = models.JSONField(default=list, blank=True)
    trigger = models.TextField(blank=True)
    fee = models.TextField(blank=True, help_text=_("Fee basis as reported by the sources."))
    evidence = models.TextField(blank=True, help_text=_("What a dispute needs, as reported by the sources."))
    region = models.CharField(max_length=2, choices=Region.choices, blank=True, help_text=_("Empty: all regions."))
    sources = models.JSONField(default=list, blank=True)
    confidence = models.CharField(
        max_length=200, blank=True, help_text=_("How sure the research is (high/medium/low).")
    )
    aliases = models.JSONField(default=list, blank=True, help_text=_("Other codes that mean this type."))
    is_disputable = models.BooleanField(default=True, help_text=_("False for holdbacks Amazon reverses by itself."))

    objects = DeductionTypeQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["family", "code"]

    def __str__(self):
        return self.name


class PolicyRuleQuerySet(TenantQuerySet):
    def in_force_on(self, day: date):
        return self.filter(
            models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=day), effective_from__lte=day
        )


class PolicyRule(models.Model):
    """How long a deduction can be disputed, from when, how often, with what proof, and above what amount.

    A rule governs a family, or one type of it (the more specific wins), in one marketplace, a
    region, or everywhere. The rule in force on the day a deduction is evaluated applies: Amazon
    applies a new window to every open item (the 2025 two-year shortage cap cut old claims too).
    """

    organization = models.ForeignKey("acorn_portal.Organization", on_delete=models.CASCADE, related_name="policy_rules")
    family = models.CharField(max_length=30, choices=DeductionFamily.choices)
    deduction_type = models.ForeignKey(
        DeductionType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rules",
        help_text=_("Empty: every type of the family without a rule of its own."),
    )
    marketplace = models.CharField(max_length=2, choices=MARKETPLACE_CHOICES, blank=True, help_text=_("Empty: any."))
    region = models.CharField(max_length=2, choices=Region.choices, blank=True, help_text=_("Empty: any."))
    effective_from = models.DateField(default=date(2000, 1, 1))
    effective_to = models.DateField(null=True, blank=True, help_text=_("Last day in force; empty: open-ended."))
    window_days = models.PositiveIntegerField(help_text=_("Calendar days Amazon accepts a dispute."))
    window_anchor = models.CharField(max_length=30, choices=WindowAnchor.choices)
    blackout_days = models.PositiveIntegerField(
        default=0, help_text=_("Days after the blackout anchor with no disputes.")
    )
    blackout_anchor = models.CharField(max_length=30, choices=WindowAnchor.choices, blank=True)
    max_dispute_rounds = models.PositiveSmallIntegerField(null=True, blank=True, help_text=_("Empty: no limit."))
    required_evidence = models.JSONField(default=list, blank=True, help_text=_("Evidence kinds a dispute needs."))
    min_amount = MoneyField(null=True, blank=True, help_text=_("Below this a dispute is not worth filing."))
    min_amount_currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, blank=True)
    note = models.TextField(blank=True, help_text=_("Where the rule comes from and which choice was made."))
    sources = models.JSONField(default=list, blank=True)
    confidence = models.CharField(max_length=200, blank=True)
    seed_key = models.CharField(max_length=80, blank=True, editable=False, help_text=_("Set on seeded rules."))
    updated_at = models.DateTimeField(auto_now=True)

    tenant_path = "organization"
    objects = PolicyRuleQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["organization", "family", "deduction_type__code", "marketplace", "-effective_from"]
        indexes = [models.Index(fields=["organization", "family"])]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "seed_key"], condition=~models.Q(seed_key=""), name="unique_seeded_rule"
            )
        ]

    def __str__(self):
        scope = self.deduction_type.name if self.deduction_type_id else self.get_family_display()
        where = self.marketplace or self.region or "all marketplaces"
        return f"#{self.pk} {scope} ({where}): {self.window_days} days from {self.get_window_anchor_display()}"

    def clean(self):
        errors = {}
        if self.deduction_type_id and self.deduction_type.family != self.family:
            errors["deduction_type"] = f"{self.deduction_type} belongs to {self.deduction_type.get_family_display()}."
        if self.effective_to and self.effective_to < self.effective_from:
            errors["effective_to"] = "The rule cannot end before it starts."
        if self.blackout_days and not self.blackout_anchor:
            errors["blackout_anchor"] = "Say which date the blackout is counted from."
        if self.min_amount is not None and not self.min_amount_currency:
            errors["min_amount_currency"] = "A minimum amount needs its currency."
        unknown = sorted(set(self.required_evidence or []) - set(ProofKind.values))
        if unknown:
            errors["required_evidence"] = f"Unknown evidence kinds: {', '.join(unknown)}."
        if errors:
            raise ValidationError(errors)

    def specificity(self) -> tuple[int, int, int]:
        """Order of preference between rules that all apply: type over family, marketplace over region."""
        return (1 if self.deduction_type_id else 0, 1 if self.marketplace else 0, 1 if self.region else 0)

    def applies_to(self, *, family: str, type_id: int | None, marketplace: str, region: str, day: date) -> bool:
        return (
            self.family == family
            and (self.deduction_type_id is None or self.deduction_type_id == type_id)
            and self.marketplace in ("", marketplace)
            and self.region in ("", region)
            and self.effective_from <= day
            and (self.effective_to is None or day <= self.effective_to)
        )


class CoopAgreement(models.Model):
    """The co-op terms a vendor signed for one account: what Amazon may charge, when, and to which code."""

    account = models.ForeignKey("acorn_portal.VendorAccount", on_delete=models.PROTECT, related_name="coop_agreements")
    agreement_id = models.CharField(max_length=64, help_text=_("Amazon's agreement id (also on its co-op invoices)."))
    vendor_code = models.CharField(max_length=20, help_text=_("The vendor code the agreement is with."))
    name = models.CharField(max_length=200, blank=True, help_text=_("The agreement's title."))
    funding_type = models.CharField(max_length=80, blank=True, help_text=_("e.g. Marketing & Promotion."))
    calculation_base = models.TextField(blank=True, help_text=_("What the rate applies to, in the agreement's words."))
    billing = models.TextField(blank=True, help_text=_("How and when Amazon bills it, in the agreement's words."))
    base = models.CharField(max_length=30, choices=CoopBase.choices, default=CoopBase.PERCENT_OF_RECEIPTS)
    rate_percent = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    flat_amount = MoneyField(null=True, blank=True)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    waived_periods = models.JSONField(
        default=list,
        blank=True,
        help_text='Periods with no charge: [{"from": "2026-01-01", "to": "2026-01-31", "reason": "..."}].',
    )
    updated_at = models.DateTimeField(auto_now=True)

    tenant_path = "account__organization"
    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "agreement_id"], name="unique_coop_agreement_per_account")
        ]
        ordering = ["account", "-starts_on"]

    def __str__(self):
        return f"Co-op {self.agreement_id} ({self.vendor_code})"

    def clean(self):
        if self.base == CoopBase.PERCENT_OF_RECEIPTS and self.rate_percent is None:
            raise ValidationError({"rate_percent": "A percentage agreement needs its rate."})
        if self.base == CoopBase.FLAT_FEE and self.flat_amount is None:
            raise ValidationError({"flat_amount": "A flat-fee agreement needs its amount."})

    def is_waived_on(self, day: date) -> bool:
        return any(date.fromisoformat(p["from"]) <= day <= date.fromisoformat(p["to"]) for p in self.waived_periods)

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)
