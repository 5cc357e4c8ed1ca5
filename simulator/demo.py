"""The demo world: one definition shared by `seed_demo` (documents, answers, data sources) and the simulator.

Both sides must agree on seed, volume, accounts and today, or the demo's answers would grade other data.
"""

from datetime import date

from simulator.catalog import AccountSpec
from simulator.vendor_files import account_for, simulate_vendor
from simulator.vendor_files.facts import VendorWorld
from simulator.vendor_files.plan import HISTORY_DAYS

DEMO_SEED = 7
DEMO_DEDUCTIONS = 2_000  # the record generator's volume (`simulate_vendor_central --record-world`)
DEMO_ORDERS = 360  # purchase orders of the demo vendor over its three accounts
# (marketplace, vendor code, share of the deductions): the vendor codes of acorn_portal.services.demo.
DEMO_ACCOUNTS = [("US", "DMBUS", 0.5), ("CA", "DMBCA", 0.2), ("DE", "DMBDE", 0.3)]
DEMO_SIMULATOR_PORT = 8765
# The vendor's whole history: older than the longest dispute window, so expired deductions show too.
DEMO_LOOKBACK_DAYS = HISTORY_DAYS + 10


def demo_specs() -> list[AccountSpec]:
    return [AccountSpec.for_marketplace(code, vendor_code=vendor, weight=w) for code, vendor, w in DEMO_ACCOUNTS]


def demo_vendor_world(*, seed: int = DEMO_SEED, today: date, orders: int = DEMO_ORDERS) -> VendorWorld:
    """The demo vendor's files as of `today`, in the shapes Amazon and its ERP give them."""
    accounts = [account_for(vendor, marketplace) for marketplace, vendor, _share in DEMO_ACCOUNTS]
    return simulate_vendor(seed=seed, as_of=today, accounts=accounts, orders=orders)
