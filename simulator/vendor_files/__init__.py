"""A simulated vendor's files in the shapes Amazon and ERPs give them, with the right answer for each deduction.

world = simulate_vendor(seed=7, as_of=date(2026, 12, 1), orders=400,
                        accounts=[account_for("QBQFL", "US"), account_for("HPB5H", "UK")])
write_folder(world, Path("var/vendor"))   # the worked sample's layout, expected.json included
"""

from simulator.vendor_files.answers import Answer, answers
from simulator.vendor_files.folder import write_folder
from simulator.vendor_files.plan import account_for, simulate_vendor

__all__ = ["Answer", "account_for", "answers", "simulate_vendor", "write_folder"]
