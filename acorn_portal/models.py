"""Cross-cutting core: organizations, memberships with roles, vendor accounts."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from acorn_portal.marketplaces import MARKETPLACE_CHOICES, Region, get_marketplace
from acorn_portal.money import CURRENCY_CHOICES
from acorn_portal.roles import Role
from acorn_portal.tenancy import TenantQuerySet


class Organization(models.Model):
    """One customer of ACORN: a brand, or an agency's client. Everything else belongs to one."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    deadline_buffer_business_days = models.PositiveSmallIntegerField(
        default=5,
        help_text=_("Internal target: this many business days (Mon–Fri) before Amazon's deadline."),
    )
    default_language = models.CharField(
        _("default language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_(
            "For members who chose no language and whose browser asks for none ACORN has; and for their alerts."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_path = "id"
    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A user's place in an organization; the role decides what the user may do there."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    # An API key's service user acts for the person who issued the key: it may never do what that
    # person may not do now (acorn_portal.tenancy), and four eyes counts the two as one person.
    delegate_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="delegates",
        editable=False,
        help_text=_("The person this member (an API key) acts for."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_path = "organization"
    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="unique_membership")]
        ordering = ["organization", "user__username"]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} in {self.organization}"


class VendorAccount(models.Model):
    """One Vendor Central account in one marketplace, with the currency and time zone it works in."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="vendor_accounts")
    name = models.CharField(max_length=200)
    vendor_codes = models.CharField(
        max_length=500, help_text=_("Amazon vendor codes of this account, comma separated (e.g. ABCDE, ABCDF).")
    )
    marketplace = models.CharField(max_length=2, choices=MARKETPLACE_CHOICES)
    region = models.CharField(max_length=2, choices=Region.choices, editable=False)
    marketplace_id = models.CharField(max_length=20, editable=False)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    payment_terms_net_days = models.PositiveSmallIntegerField(
        "payment terms (net days)",
        null=True,
        blank=True,
        help_text=_("Days after the invoice date Amazon pays (net due days); empty: not known."),
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_path = "organization"
    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="unique_account_name_per_org")]
        ordering = ["organization", "name"]

    def __str__(self):
        return f"{self.name} ({self.marketplace})"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def vendor_code_list(self) -> list[str]:
        return [code.strip().upper() for code in self.vendor_codes.split(",") if code.strip()]

    def apply_marketplace(self):
        """Fill region, marketplace id, and default currency and time zone from the marketplace."""
        try:
            market = get_marketplace(self.marketplace or "")
        except ValueError as exc:
            raise ValidationError({"marketplace": str(exc)}) from None
        self.marketplace = market.code
        self.region = market.region
        self.marketplace_id = market.marketplace_id
        self.currency = self.currency or market.currency
        self.time_zone = self.time_zone or market.time_zone

    def clean(self):
        self.apply_marketplace()
        try:
            ZoneInfo(self.time_zone)
        except (KeyError, ValueError):
            raise ValidationError({"time_zone": f"Unknown time zone {self.time_zone!r}."}) from None
        if not self.vendor_code_list:
            raise ValidationError({"vendor_codes": "Give at least one vendor code."})
        self.vendor_codes = ", ".join(self.vendor_code_list)

    def save(self, *args, **kwargs):
        # Derived marketplace facts are always filled, whether or not a form ran clean().
        self.apply_marketplace()
        super().save(*args, **kwargs)


class ExchangeRateQuerySet(TenantQuerySet):
    def rates_on(self, organization_id: int, day) -> dict[tuple[str, str], "ExchangeRate"]:
        """The rate of each currency pair valid on `day` (the latest that started on or before it)."""
        rates: dict[tuple[str, str], ExchangeRate] = {}
        for rate in self.filter(organization_id=organization_id, valid_from__lte=day).order_by("valid_from", "id"):
            rates[(rate.from_currency, rate.to_currency)] = rate
        return rates


class ExchangeRate(models.Model):
    """A rate the organization converts at, for reports only: 1 `from_currency` = `rate` `to_currency`.

    Figures are always kept per currency; a converted total is shown beside them, labelled with the
    rates used, never instead of them.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="exchange_rates")
    from_currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    to_currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    rate = models.DecimalField(max_digits=20, decimal_places=10, help_text=_("Units of the target per one unit."))
    valid_from = models.DateField(help_text=_("Used from this day until a later rate of the same pair starts."))
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_path = "organization"
    objects = ExchangeRateQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "from_currency", "to_currency", "valid_from"], name="unique_rate_per_day"
            ),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="exchange_rate_positive"),
            models.CheckConstraint(
                condition=~models.Q(from_currency=models.F("to_currency")), name="exchange_rate_two_currencies"
            ),
        ]
        ordering = ["organization", "from_currency", "to_currency", "-valid_from"]

    def __str__(self):
        return f"1 {self.from_currency} = {self.rate.normalize():f} {self.to_currency} from {self.valid_from}"

    def clean(self):
        if self.from_currency and self.from_currency == self.to_currency:
            raise ValidationError({"to_currency": "Pick a different currency to convert to."})


class OutboxEvent(models.Model):
    """An event written in the same transaction as the change it describes, so none is ever lost.

    Webhook delivery and the API's event feed read from here; the writer never talks to the network.
    """

    # No index of its own: (organization, id) below serves the feed and the cascade alike.
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="events", db_index=False)
    name = models.CharField(max_length=60, help_text=_("e.g. chargeback.state_changed"))
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(default=dict)
    # Readers page by id (the fan-out) or position (the feed), never by time: no index to keep up on every write.
    created_at = models.DateTimeField(auto_now_add=True)
    # PostgreSQL: the writing transaction's id. Ids are handed out at insert but become visible at
    # commit, so id order is not visibility order; the feed orders events only once their transaction
    # is over (acorn_portal.services.events.publish). Empty on SQLite, whose writers are serialised.
    txid = models.BigIntegerField(null=True, blank=True, editable=False)
    # The feed's order: assigned once the event can no longer be overtaken by one committing later.
    position = models.BigIntegerField(null=True, blank=True, unique=True, editable=False)

    tenant_path = "organization"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["organization", "id"]),
            models.Index(fields=["organization", "position"], name="outbox_feed_position"),
            models.Index(fields=["txid", "id"], condition=models.Q(position__isnull=True), name="outbox_unpublished"),
        ]

    def __str__(self):
        return f"{self.name} {self.object_type}:{self.object_id}"


class AuditAction(models.TextChoices):
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Failed sign-in")
    LOGOUT = "logout", _("Signed out")
    TWO_FACTOR = "two_factor", _("Two-factor change")
    LOCKOUT_CLEARED = "lockout_cleared", _("Lockout cleared")
    API_KEY_CREATED = "api_key_created", _("API key created")
    API_KEY_REVOKED = "api_key_revoked", _("API key revoked")
    CREDENTIALS_CHANGED = "credentials_changed", _("Credentials changed")
    WEBHOOK_SECRET_CHANGED = "webhook_secret_changed", _("Webhook secret changed")
    WEBHOOK_DISABLED = "webhook_disabled", _("Webhook endpoint disabled")
    EXPORT = "export", _("Data exported")
    PURGE = "purge", _("Retention purge")
    KEY_ROTATION = "key_rotation", _("Encryption key rotation")
    # People and sign-in (acorn_portal.services.signup, people, sso)
    SIGNED_UP = "signed_up", _("Organization signed up")
    INVITED = "invited", _("Person invited")
    JOINED = "joined", _("Person joined")
    ROLE_CHANGED = "role_changed", _("Role changed")
    MEMBER_DEACTIVATED = "member_deactivated", _("Member deactivated")
    SSO_CHANGED = "sso_changed", _("Single sign-on changed")


class AuditEventQuerySet(TenantQuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit trail is append-only.")

    def delete(self):
        raise PermissionError("The audit trail is append-only.")


class AuditEvent(models.Model):
    """Who did a security-relevant thing, when and from where. Written once, never edited or deleted.

    `organization` is empty for events that belong to no organization (a failed sign-in with an
    unknown username); those are visible to superusers only.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(
        max_length=200, blank=True, help_text=_("The username or key name, kept if the actor goes.")
    )
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    address = models.GenericIPAddressField(null=True, blank=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    tenant_path = "organization"
    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["organization", "-at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label or 'anonymous'} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit trail is append-only.")


class RetentionPolicy(models.Model):
    """How long an organization keeps closed cases, evidence files and sync payloads (empty: forever).

    Windows are counted in days: a closed case from when it closed, evidence of closed cases from
    when its case closed, sync run logs from when the run started and imported report files from
    their upload. `acorn_portal.retention.purge_expired` removes what is past them, every day.
    """

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="retention_policy")
    closed_cases_days = models.PositiveIntegerField(
        "keep closed cases (days)",
        null=True,
        blank=True,
        default=3 * 365,
        help_text=_(
            "Closed cases (recovered, written off, accepted, expired) with their evidence, comments and "
            "history are removed this many days after they closed. Empty: keep forever."
        ),
    )
    evidence_days = models.PositiveIntegerField(
        "keep evidence files (days)",
        null=True,
        blank=True,
        default=3 * 365,
        help_text=_(
            "Evidence files and dispute packets of closed cases are removed this many days after the case "
            "closed (the case itself stays while its own window runs). Open cases keep theirs. Empty: keep forever."
        ),
    )
    sync_payload_days = models.PositiveIntegerField(
        "keep sync logs and imported files (days)",
        null=True,
        blank=True,
        default=365,
        help_text=_(
            "Request logs and errors of sync runs, and the stored files of report imports, are removed "
            "this many days after the run or upload (the run's and import's counts stay). Empty: keep forever."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    tenant_path = "organization"
    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = _("retention policy")

    def __str__(self):
        return f"Retention policy of {self.organization}"

    @classmethod
    def for_organization(cls, organization_id: int) -> "RetentionPolicy":
        """The saved policy, or the unsaved defaults when the organization never changed it."""
        found = cls.objects.filter(organization_id=organization_id).first()
        return found or cls(organization_id=organization_id)


class PurgeRecord(models.Model):
    """What one retention purge removed for one organization: counts per kind, and the windows applied."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="purge_records")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    trigger = models.CharField(max_length=20, default="schedule")
    counts = models.JSONField(default=dict, blank=True, help_text=_("Removed, per kind."))
    windows = models.JSONField(default=dict, blank=True, help_text=_("Days kept, per policy field, at the time."))
    error = models.TextField(blank=True, help_text=_("Why the purge stopped early, if it did (counts say what went)."))

    tenant_path = "organization"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["organization", "-started_at"])]

    def __str__(self):
        return f"Purge of {self.started_at:%Y-%m-%d %H:%M}: {self.total} removed"

    @property
    def total(self) -> int:
        return sum(self.counts.values())


# Sign-up, invitations and single sign-on live in their own module; imported here so Django finds them.
from acorn_portal.models_people import Invitation, OrganizationSSO, Person, SignUpRequest  # noqa: E402, F401
