"""The demo world: one definition shared by `seed_demo` (truth, data sources) and the simulator it syncs from.

Both sides must agree on seed, volume and accounts, or the demo's truth would grade other data.
"""

from simulator.catalog import AccountSpec

DEMO_SEED = 7
DEMO_DEDUCTIONS = 2_000
# (marketplace, vendor code, share of the deductions): the vendor codes of acorn_portal.services.demo.
DEMO_ACCOUNTS = [("US", "DMBUS", 0.5), ("CA", "DMBCA", 0.2), ("DE", "DMBDE", 0.3)]
DEMO_SIMULATOR_PORT = 8765
# Nine months of history (generator.MAX_AGE_DAYS) plus a margin; Amazon itself serves six months.
DEMO_LOOKBACK_DAYS = 285


def demo_specs() -> list[AccountSpec]:
    return [AccountSpec.for_marketplace(code, vendor_code=vendor, weight=w) for code, vendor, w in DEMO_ACCOUNTS]
