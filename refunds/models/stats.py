"""Pre-aggregated deduction figures for the dashboard: exact running totals, kept in step with the cases.

Two daily rollups per vendor account, deduction family, type and currency:
- `ChargebackDayStat` by the day Amazon issued the deductions and their workflow state: counts and
  the amounts deducted, approved by Amazon, recovered and written off;
- `RecoveryDayStat` by the day the credit arrived (`recovered_on`): counts and amounts recovered;
- `DueDayStat` by Amazon's last day to dispute (`due_on`) and state: counts and amounts.

They are not caches that go stale: every write of a case applies its delta in the same transaction
(`Chargeback.save()`, the sync's bulk paths; see refunds.services.stats), so the dashboard's numbers
equal a recount of the cases at any moment. `manage.py rebuild_dashboard_stats --check` recounts and
compares.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from acorn_portal.money import CURRENCY_CHOICES
from acorn_portal.tenancy import TenantQuerySet
from refunds.choices import ChargebackState, DeductionFamily


def _total(**kwargs):
    return models.DecimalField(max_digits=22, decimal_places=4, default=0, **kwargs)


class ChargebackDayStat(models.Model):
    """Deductions of one account issued on one day, by family, type, currency and state."""

    # No index of its own: the unique key starts with the account (rollups are written with every sync page).
    account = models.ForeignKey(
        "acorn_portal.VendorAccount", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    family = models.CharField(max_length=30, choices=DeductionFamily.choices)
    deduction_type = models.CharField(max_length=80)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    state = models.CharField(max_length=20, choices=ChargebackState.choices)
    day = models.DateField(help_text=_("Issue date of the deductions."))
    n = models.IntegerField(default=0, help_text=_("Number of deductions."))
    amount = _total()
    amazon_approved_amount = _total()
    recovered_amount = _total()
    written_off_amount = _total()

    tenant_path = "account__organization"
    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "family", "deduction_type", "currency", "state", "day"],
                name="unique_chargeback_day_stat",
            )
        ]
        indexes = [models.Index(fields=["state", "account"]), models.Index(fields=["account", "day"])]

    def __str__(self):
        return f"{self.day} {self.family}/{self.deduction_type} {self.state}: {self.n}"


class RecoveryDayStat(models.Model):
    """Credits recorded for deductions of one account on one day, by family, type and currency."""

    # No index of its own: the unique key starts with the account (rollups are written with every sync page).
    account = models.ForeignKey(
        "acorn_portal.VendorAccount", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    family = models.CharField(max_length=30, choices=DeductionFamily.choices)
    deduction_type = models.CharField(max_length=80)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    day = models.DateField(help_text=_("Day the credit was recorded (recovered_on)."))
    n = models.IntegerField(default=0)
    recovered_amount = _total()

    tenant_path = "account__organization"
    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "family", "deduction_type", "currency", "day"], name="unique_recovery_day_stat"
            )
        ]
        indexes = [models.Index(fields=["account", "day"])]

    def __str__(self):
        return f"{self.day} {self.family}/{self.deduction_type}: {self.n}"


class DueDayStat(models.Model):
    """Deductions of one account by Amazon's last day to dispute (`due_on`), currency and state.

    Overdue and due-this-week are sums over a few of these rows instead of a scan of every open case.
    """

    # No index of its own: the unique key starts with the account (rollups are written with every sync page).
    account = models.ForeignKey(
        "acorn_portal.VendorAccount", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    state = models.CharField(max_length=20, choices=ChargebackState.choices)
    day = models.DateField(help_text=_("Amazon's last day to dispute (due_on)."))
    n = models.IntegerField(default=0)
    amount = _total()

    tenant_path = "account__organization"
    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "currency", "state", "day"], name="unique_due_day_stat")
        ]
        indexes = [models.Index(fields=["state", "day"])]

    def __str__(self):
        return f"due {self.day} {self.state}: {self.n}"
