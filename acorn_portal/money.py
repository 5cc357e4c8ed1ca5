"""Money: a Decimal amount with its ISO 4217 currency. Never a float, never two currencies summed."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Minor units per ISO 4217 for the currencies of Amazon's marketplaces.
CURRENCY_DECIMALS: dict[str, int] = {
    "USD": 2,
    "CAD": 2,
    "MXN": 2,
    "BRL": 2,
    "GBP": 2,
    "EUR": 2,
    "SEK": 2,
    "PLN": 2,
    "TRY": 2,
    "EGP": 2,
    "AED": 2,
    "SAR": 2,
    "INR": 2,
    "JPY": 0,
    "AUD": 2,
    "SGD": 2,
}
CURRENCY_CHOICES = [(code, code) for code in CURRENCY_DECIMALS]

# Model fields store up to 4 decimals (Amazon quotes unit costs finer than the currency's minor unit).
MAX_DIGITS = 18
DECIMAL_PLACES = 4


class MoneyError(ValueError):
    """An amount or currency that cannot be accepted, with a message naming the problem."""


class CurrencyMismatchError(MoneyError):
    pass


def check_currency(currency: str) -> str:
    code = (currency or "").strip().upper()
    if code not in CURRENCY_DECIMALS:
        raise MoneyError(f"Unknown currency {currency!r}.")
    return code


def to_decimal(value, *, field: str = "amount") -> Decimal:
    """Parse an amount; floats are refused because they cannot carry cents exactly."""
    if isinstance(value, float):
        raise MoneyError(f"{field}: {value!r} is a float; pass a string or Decimal.")
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise MoneyError(f"{field}: {value!r} is not a number.") from None
    if not result.is_finite():
        raise MoneyError(f"{field}: {value!r} is not a finite number.")
    return result


def check_amount_precision(amount: Decimal, currency: str, *, field: str = "amount") -> Decimal:
    """Refuse an amount with more decimals than its currency has (e.g. 1.005 USD, 10.5 JPY)."""
    places = CURRENCY_DECIMALS[check_currency(currency)]
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise MoneyError(f"{field}: {amount} has more decimals than {currency} allows ({places}).")
    return amount


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round to the currency's minor unit (half up, as invoices do)."""
    places = CURRENCY_DECIMALS[check_currency(currency)]
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self):
        object.__setattr__(self, "currency", check_currency(self.currency))
        object.__setattr__(self, "amount", to_decimal(self.amount))

    def __add__(self, other: "Money") -> "Money":
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> "Money":
        return Money(-self.amount, self.currency)

    def _same_currency(self, other: "Money") -> None:
        if not isinstance(other, Money):
            raise TypeError(f"Cannot combine Money with {type(other).__name__}.")
        if other.currency != self.currency:
            raise CurrencyMismatchError(f"Cannot combine {self.currency} with {other.currency}.")

    def quantized(self) -> "Money":
        return Money(quantize(self.amount, self.currency), self.currency)

    def __str__(self) -> str:
        return f"{quantize(self.amount, self.currency):,} {self.currency}"

    def localized(self) -> str:
        """For a reader: the active language's separators, the currency's decimals and its code."""
        from acorn_portal.formatting import local_number

        places = CURRENCY_DECIMALS[self.currency]
        return f"{local_number(quantize(self.amount, self.currency), places)} {self.currency}"


def format_money(amount, currency: str) -> str:
    """The one way an amount is shown: at its currency's decimals with the code ("1,234.50 EUR", "1,500 JPY").

    Amounts are stored with 4 decimals; a bad currency code shows what was stored rather than failing a page.
    """
    if amount is None or amount == "":
        return "—"
    try:
        return str(Money(amount, currency))
    except MoneyError:
        return f"{amount} {currency}"


def totals_by_currency(items: Iterable[Money]) -> dict[str, Money]:
    """Sum amounts per currency: the only safe way to total a mixed list."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for item in items:
        sums[item.currency] += item.amount
    return {code: Money(total, code) for code, total in sorted(sums.items())}
