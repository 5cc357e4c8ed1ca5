"""Alerts: who is told about which deadlines and data problems, how, and the log that sends each once.

- `AlertSettings`: per organization, the reminder lead times, the escalation threshold and the digest hour.
- `AlertChannel`: a chat webhook (Slack, Microsoft Teams, DingTalk, Feishu/Lark); URL and secret encrypted.
- `WatchRule`: which cases (families, types, accounts, marketplaces, a minimum amount) and who hears of them.
- `AlertLog`: one row per (what, recipient, channel), claimed by inserting its unique key before
  anything is sent, so a duplicate, concurrent or late run finds the key taken and sends nothing.
"""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from acorn_portal.crypto import EncryptedTextField
from acorn_portal.marketplaces import MARKETPLACE_CHOICES
from acorn_portal.money import CURRENCY_CHOICES
from acorn_portal.tenancy import TenantQuerySet
from refunds.choices import DeductionFamily
from refunds.models.base import MoneyField

DEFAULT_LEAD_DAYS = [7, 3, 1]
DEFAULT_ESCALATION_DAYS = 2
DEFAULT_DIGEST_HOUR = 8


def parse_lead_days(text: str) -> list[int]:
    """'7, 3, 1' -> [7, 3, 1] (distinct, largest first); ValueError with a readable message otherwise."""
    values = set()
    for part in str(text).replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not 0 <= int(part) <= 90:
            raise ValueError(f"{part!r} is not a number of days between 0 and 90.")
        values.add(int(part))
    if not values:
        raise ValueError("Give at least one lead time, e.g. 7, 3, 1.")
    return sorted(values, reverse=True)


class AlertSettings(models.Model):
    """How an organization wants to be reminded; organizations that never saved any get the defaults."""

    organization = models.OneToOneField(
        "acorn_portal.Organization", on_delete=models.CASCADE, related_name="alert_settings"
    )
    reminder_lead_days = models.CharField(
        max_length=60,
        default="7, 3, 1",
        help_text=_(
            "Days before the internal target when reminders go out, comma separated (e.g. 7, 3, 1). "
            "Counted in each marketplace's time zone."
        ),
    )
    escalation_days = models.PositiveSmallIntegerField(
        default=DEFAULT_ESCALATION_DAYS,
        help_text=_(
            "Managers are told when a case is due (Amazon's last day) within this many days and is "
            "still unassigned or not yet approved."
        ),
    )
    digest_hour = models.PositiveSmallIntegerField(
        default=DEFAULT_DIGEST_HOUR, help_text=_("Hour of the day (0–23, in the digest time zone) of the daily digest.")
    )
    digest_time_zone = models.CharField(max_length=64, default="UTC", help_text=_("e.g. Europe/Berlin"))

    tenant_path = "organization"
    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = _("alert settings")

    def __str__(self):
        return f"Alert settings of {self.organization}"

    def clean(self):
        errors = {}
        try:
            self.reminder_lead_days = ", ".join(str(day) for day in parse_lead_days(self.reminder_lead_days))
        except ValueError as exc:
            errors["reminder_lead_days"] = str(exc)
        if self.digest_hour is not None and self.digest_hour > 23:
            errors["digest_hour"] = "An hour between 0 and 23."
        try:
            ZoneInfo(self.digest_time_zone)
        except (KeyError, ValueError):
            errors["digest_time_zone"] = f"Unknown time zone {self.digest_time_zone!r}."
        if errors:
            raise ValidationError(errors)

    @property
    def lead_days(self) -> list[int]:
        """The lead times, largest first; a value saved around the form's checks falls back to the defaults
        rather than stopping every organization's reminders."""
        try:
            return parse_lead_days(self.reminder_lead_days)
        except ValueError:
            return list(DEFAULT_LEAD_DAYS)

    @classmethod
    def for_organization(cls, organization_id: int) -> "AlertSettings":
        """The saved settings, or unsaved defaults."""
        found = cls.objects.filter(organization_id=organization_id).first()
        return found or cls(organization_id=organization_id)


class ChannelKind(models.TextChoices):
    SLACK = "slack", _("Slack (incoming webhook)")
    TEAMS = "teams", _("Microsoft Teams (workflow webhook, Adaptive Card)")
    DINGTALK = "dingtalk", _("DingTalk (custom robot)")
    FEISHU = "feishu", _("Feishu / Lark (custom bot)")


class AlertChannel(models.Model):
    """A chat webhook an organization's alerts are posted to. The URL and the signing secret are
    encrypted at rest and never shown again after entry (they carry the right to post)."""

    organization = models.ForeignKey("acorn_portal.Organization", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=ChannelKind.choices)
    url = EncryptedTextField(editable=False)
    secret = EncryptedTextField(blank=True, editable=False)
    for_deadlines = models.BooleanField(
        default=True, help_text=_("Escalations go here; watch rules pick their channels themselves.")
    )
    for_data_alerts = models.BooleanField(default=False, help_text=_("Stale accounts, failed syncs, rejected imports."))
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_path = "organization"
    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["url", "secret"])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="unique_alert_channel_name")]
        ordering = ["organization", "name"]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display().split(' (')[0]})"


class WatchRule(models.Model):
    """Which cases an organization wants reminders about, and who hears of them how.

    Empty criteria match everything. A minimum amount needs its currency and only matches cases in
    that currency: amounts of different currencies are never compared.
    """

    organization = models.ForeignKey("acorn_portal.Organization", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    enabled = models.BooleanField(default=True)
    families = models.JSONField(default=list, blank=True, help_text=_("Deduction families; empty: all."))
    deduction_types = models.JSONField(default=list, blank=True, help_text=_("Type codes; empty: all."))
    accounts = models.ManyToManyField(
        "acorn_portal.VendorAccount", blank=True, related_name="+", help_text=_("Empty: every account.")
    )
    marketplaces = models.JSONField(default=list, blank=True, help_text=_("Marketplace codes; empty: all."))
    min_amount = MoneyField(null=True, blank=True, help_text=_("Inclusive; needs a currency."))
    currency = models.CharField(
        max_length=3, choices=CURRENCY_CHOICES, blank=True, help_text=_("Only cases in this currency (if set).")
    )
    notify_assignee = models.BooleanField(default=True)
    notify_team = models.BooleanField(default=True, help_text=_("Every member of the case's team."))
    notify_managers = models.BooleanField(default=False, help_text=_("The organization's managers."))
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+", help_text=_("Named people."))
    by_email = models.BooleanField(default=True)
    channels = models.ManyToManyField(AlertChannel, blank=True, related_name="watch_rules")

    tenant_path = "organization"
    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="unique_watch_rule_name")]
        ordering = ["organization", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.min_amount is not None and not self.currency:
            errors["currency"] = "A minimum amount needs its currency."
        if self.min_amount is not None and self.min_amount < 0:
            errors["min_amount"] = "A minimum amount cannot be negative."
        unknown = set(self.families or []) - set(DeductionFamily.values)
        if unknown:
            errors["families"] = f"Unknown families: {', '.join(sorted(unknown))}."
        markets = {code for code, _label in MARKETPLACE_CHOICES}
        if set(self.marketplaces or []) - markets:
            errors["marketplaces"] = "Unknown marketplace code."
        if errors:
            raise ValidationError(errors)

    def matches(self, case, *, account_ids: set[int] | None = None) -> bool:
        """True if the case fits every criterion; `account_ids` is the rule's accounts when prefetched."""
        if case.account.organization_id != self.organization_id:
            return False
        if self.families and case.family not in self.families:
            return False
        if self.deduction_types and case.deduction_type not in self.deduction_types:
            return False
        if self.marketplaces and case.account.marketplace not in self.marketplaces:
            return False
        if account_ids is None:
            account_ids = {account.pk for account in self.accounts.all()}
        if account_ids and case.account_id not in account_ids:
            return False
        if self.currency and case.currency != self.currency:
            return False
        return self.min_amount is None or case.amount >= self.min_amount


class AlertKind(models.TextChoices):
    REMINDER = "reminder", _("Deadline reminder")
    ESCALATION = "escalation", _("Escalation to managers")
    DIGEST = "digest", _("Daily digest")
    DATA = "data", _("Data alert")
    EVENT = "event", _("Developer webhook event")


class AlertStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed (gave up)")


class AlertLogQuerySet(TenantQuerySet):
    def due(self, now):
        return self.filter(status=AlertStatus.PENDING, next_attempt_at__lte=now)


class AlertLog(models.Model):
    """One message to one recipient over one channel, sent at most once.

    `key` names what it is about, e.g. ``reminder:cb42:lead3:user7:email``. The row is inserted
    (claimed) before the message is sent; a second insert of the same key fails on the unique
    constraint, which is how duplicate, concurrent and late runs are kept from repeating a message.
    The message is rendered when claimed and kept here, so a retry sends the same words.
    """

    organization = models.ForeignKey("acorn_portal.Organization", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    chargeback = models.ForeignKey(
        "refunds.Chargeback", null=True, blank=True, on_delete=models.CASCADE, related_name="alert_logs"
    )
    lead_days = models.SmallIntegerField(null=True, blank=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.ForeignKey(AlertChannel, null=True, blank=True, on_delete=models.CASCADE, related_name="logs")
    address = models.CharField(max_length=254, blank=True, help_text=_("The email address, for email alerts."))
    subject = models.CharField(max_length=300)
    message = models.JSONField(default=dict, help_text=_("title, lines and link as rendered when claimed."))
    status = models.CharField(max_length=10, choices=AlertStatus.choices, default=AlertStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_path = "organization"
    objects = AlertLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["organization", "last_attempt_at"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.subject} → {self.channel or self.address or '—'}"

    @property
    def channel_label(self) -> str:
        return str(self.channel) if self.channel_id else ("email" if self.address else self.get_kind_display())
