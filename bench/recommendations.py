"""Benchmark: how right the recommendations are on a simulated vendor's real-shaped files, at its today.

    .venv/bin/python bench/recommendations.py                        # 400 POs, a US and a UK account
    .venv/bin/python bench/recommendations.py --orders 1000 --accounts QBQFL:US,HPB5H:UK,DMBDE:DE
    .venv/bin/python bench/recommendations.py --keep var/bench/vendor  # keep the folder to inspect it

The simulator (`simulator.vendor_files`) writes a vendor's files as of `--today` in the worked
sample's layout (SP-API payloads, the ERP's ASNs, PODs, invoices and co-op agreements, the four
Vendor Central exports per vendor code and combined, and `expected.json`: its answer for each
deduction, computed from the facts by the verdict rules). `bench/accuracy.py` then loads that
folder through the product's doors into a fresh database (temporary SQLite, or `--database-url`,
dropped and created again), evaluates every deduction with the clock at `--today`, and grades the
verdicts. No replay: every deduction is judged on that one day, expired ones included, as a team
opening ACORN on that day would see them. It prints, one per line:

    precision: …        share of flagged deductions (dispute or wait) that should be disputed
    recall: …           share of deductions that should be disputed that are flagged
    money_flagged: …    share of the recoverable money on flagged deductions (lowest currency; then each)
    due_on_exact: …, disputable_from_exact: …   deadlines equal to the answer key's (out of all)
    actions_exact: …, recovery_exact: …
    judged_per_second: …  deductions loaded through the doors and judged per second (wall clock)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=400, help="Purchase orders over all accounts.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 12, 1), help="The simulator's today.")
    parser.add_argument("--accounts", default="QBQFL:US,HPB5H:UK", help="VENDORCODE:MARKETPLACE, comma separated.")
    parser.add_argument("--database-url", default="", help="A database to drop and create (default: temporary SQLite).")
    parser.add_argument(
        "--combined",
        action="store_true",
        help="Import the combined vc/*.csv instead of the exports per vendor code (as Vendor Central gives them).",
    )
    parser.add_argument("--keep", type=Path, help="Write the vendor's folder here (default: a temporary folder).")
    return parser.parse_args(argv)


def write_vendor(args) -> Path:
    from simulator.vendor_files import account_for, simulate_vendor, write_folder

    accounts = [account_for(*pair.split(":")) for pair in args.accounts.split(",")]
    world = simulate_vendor(seed=args.seed, as_of=args.today, accounts=accounts, orders=args.orders)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="acorn-vendor-"))
    return write_folder(world, folder)


def main(argv=None) -> int:
    args = parse_args(argv)
    folder = write_vendor(args)
    print(f"# simulated vendor as of {args.today}: {folder}")
    from bench import accuracy

    started = time.perf_counter()
    argv = ["--data", str(folder), "--out", str(folder / "predictions.json")]
    if args.database_url:
        argv += ["--database-url", args.database_url]
    if not args.combined:
        argv.append("--per-account")
    accuracy.main(argv)
    judged = len(json.loads((folder / "expected.json").read_text())["deductions"])
    print(f"judged_per_second: {judged / (time.perf_counter() - started):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
