"""What a simulated vendor account sells and where it ships: accounts, products, FCs, carriers, fees.

Fees follow refunds/data/deduction_types.json (third-party quotes); amounts in other currencies are
the US fee scaled by a rough price level and rounded to the currency's minor unit.
"""

from dataclasses import dataclass
from decimal import Decimal

from acorn_portal.marketplaces import Region, get_marketplace
from acorn_portal.money import quantize
from simulator.ids import ALNUM, Code


@dataclass(frozen=True)
class AccountSpec:
    """One simulated Vendor Central account. `key` salts every identifier, so keep it stable."""

    key: str
    marketplace: str
    vendor_code: str
    currency: str
    time_zone: str
    region: str
    weight: float = 1.0
    payment_terms_days: int = 60

    @classmethod
    def for_marketplace(cls, marketplace: str, *, vendor_code: str, key: str = "", weight: float = 1.0):
        market = get_marketplace(marketplace)
        return cls(
            key=key or market.code,
            marketplace=market.code,
            vendor_code=vendor_code,
            currency=market.currency,
            time_zone=market.time_zone,
            region=str(market.region),
            weight=weight,
        )


@dataclass(frozen=True)
class Product:
    asin: str
    vendor_sku: str
    each_cost: Decimal  # net cost per each, in the account's currency
    case_size: int  # eaches per case; 1 = sold in eaches only
    carton_capacity: int  # eaches per shipping carton


# Fulfilment centres by marketplace (a few real codes each).
FULFILMENT_CENTRES = {
    "US": ["ABE8", "PHX6", "ONT8", "BFI4", "MDW2", "JFK8", "SDF8", "TPA1", "CLT2", "DFW7"],
    "CA": ["YYZ4", "YYZ9", "YVR2", "YYC1", "YOW1", "YUL2", "YEG1"],
    "MX": ["MEX1", "MEX2", "GDL1"],
    "UK": ["BHX4", "LTN1", "MAN1", "EDI4", "LBA1"],
    "DE": ["DTM2", "FRA7", "LEJ1", "MUC3", "HAM2", "BER3", "CGN1", "STR1"],
    "FR": ["ORY1", "LYS1", "MRS1", "BVA1"],
    "IT": ["MXP5", "FCO1", "BLQ1"],
    "ES": ["MAD4", "BCN1", "SVQ1"],
    "JP": ["NRT1", "KIX1", "HND3"],
}
DEFAULT_FULFILMENT_CENTRES = ["XFC1", "XFC2", "XFC3"]

# (SCAC or carrier code, carrier name) by region.
CARRIERS = {
    Region.NA: [
        ("UPSN", "UPS"),
        ("FDEG", "FedEx Ground"),
        ("ODFL", "Old Dominion Freight Line"),
        ("XPOL", "XPO Logistics"),
        ("SAIA", "Saia"),
        ("ABFS", "ABF Freight"),
        ("EXLA", "Estes Express"),
    ],
    Region.EU: [("DHL", "DHL Freight"), ("DPD", "DPD"), ("DBSC", "DB Schenker"), ("DACH", "Dachser")],
    Region.FE: [("YMT", "Yamato Transport"), ("SGW", "Sagawa Express")],
}

# Rough price level against USD, to scale product costs and flat fees.
PRICE_LEVEL = {
    "USD": Decimal("1"),
    "CAD": Decimal("1.35"),
    "MXN": Decimal("17"),
    "BRL": Decimal("5"),
    "GBP": Decimal("0.8"),
    "EUR": Decimal("0.92"),
    "SEK": Decimal("10.5"),
    "PLN": Decimal("4"),
    "TRY": Decimal("33"),
    "EGP": Decimal("48"),
    "AED": Decimal("3.67"),
    "SAR": Decimal("3.75"),
    "INR": Decimal("83"),
    "JPY": Decimal("150"),
    "AUD": Decimal("1.5"),
    "SGD": Decimal("1.35"),
}

# Flat fees in USD, with the EU amounts the sources quote in EUR.
FLAT_FEES_USD = {
    "no_show": Decimal("250.00"),
    "no_carton_content_label": Decimal("5.00"),
    "carton_content_accuracy": Decimal("2.60"),
}
FLAT_FEES_OVERRIDE = {("no_show", "EUR"): Decimal("290.00"), ("no_carton_content_label", "EUR"): Decimal("5.00")}

# Prep fees per unit in USD (2022 rates as reported; Cap seal $0.82).
PREP_FEES_USD = {
    "Bagging": Decimal("0.50"),
    "Bubble wrap": Decimal("0.80"),
    "ASIN stickering": Decimal("0.20"),
    "Taping": Decimal("0.30"),
    "Cap seal": Decimal("0.82"),
    "Suffocation warning": Decimal("0.20"),
    "Opaque covering": Decimal("0.70"),
}


def scaled(amount_usd: Decimal, currency: str) -> Decimal:
    """A USD amount at the currency's price level, rounded to its minor unit."""
    return quantize(amount_usd * PRICE_LEVEL.get(currency, Decimal(1)), currency)


def flat_fee(name: str, currency: str) -> Decimal:
    return FLAT_FEES_OVERRIDE.get((name, currency)) or scaled(FLAT_FEES_USD[name], currency)


def prep_fee(sub_type: str, currency: str) -> Decimal:
    return scaled(PREP_FEES_USD[sub_type], currency)


def fulfilment_centres(account: AccountSpec) -> list[str]:
    return FULFILMENT_CENTRES.get(account.marketplace, DEFAULT_FULFILMENT_CENTRES)


def carriers(account: AccountSpec) -> list[tuple[str, str]]:
    return CARRIERS.get(account.region, CARRIERS[Region.NA])


def build_catalog(rng, *, seed: int, account: AccountSpec, size: int) -> list[Product]:
    """`size` products with costs spread log-uniformly between about $3 and $90."""
    asins = Code(seed, account.key, "asin", alphabet=ALNUM, width=8)
    products = []
    for index in range(size):
        cost_usd = Decimal(str(round(3 * (30 ** rng.random()), 2)))
        case_size = rng.choice([1, 1, 1, 6, 12, 24])
        products.append(
            Product(
                asin=f"B0{asins(index)}",
                vendor_sku=f"{account.vendor_code}-{index + 1:05d}",
                each_cost=max(scaled(cost_usd, account.currency), scaled(Decimal("1"), account.currency)),
                case_size=case_size,
                carton_capacity=case_size if case_size > 1 else rng.choice([12, 24, 36, 48]),
            )
        )
    return products
