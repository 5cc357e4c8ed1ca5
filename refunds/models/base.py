"""What every Vendor Central document shares: an account, timestamps, and fact validation."""

from django.core.exceptions import ValidationError
from django.db import models

from acorn_portal.money import DECIMAL_PLACES, MAX_DIGITS, MoneyError, check_amount_precision
from acorn_portal.tenancy import TenantQuerySet


def MoneyField(**kwargs):  # noqa: N802 - reads like a field class at the call site
    return models.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, **kwargs)


class AccountDocument(models.Model):
    """A document synced from Amazon (or the vendor's ERP) for one vendor account.

    These are facts: sync writes them and people only read them.
    """

    account = models.ForeignKey("acorn_portal.VendorAccount", on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_path = "account__organization"
    objects = TenantQuerySet.as_manager()

    # (field, currency field) pairs whose amounts are checked against the currency's precision.
    money_fields: tuple[tuple[str, str], ...] = ()

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        validate_money(self, self.account.currency if self.account_id else None)


def validate_money(document, account_currency: str | None) -> None:
    """Currency must be the account's, and amounts must fit the currency's minor unit."""
    errors = {}
    for amount_field, currency_field in document.money_fields:
        currency = getattr(document, currency_field)
        amount = getattr(document, amount_field)
        if account_currency and currency != account_currency:
            errors[currency_field] = f"{currency!r} does not match the vendor account's currency {account_currency!r}."
            continue
        if amount is None:
            continue
        try:
            check_amount_precision(amount, currency, field=amount_field)
        except MoneyError as exc:
            errors[amount_field] = str(exc)
    if errors:
        raise ValidationError(errors)
