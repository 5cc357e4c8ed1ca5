"""The simulator: a built-in, seeded fake Vendor Central with known right answers.

`generate()` streams the documents and deductions of one or more vendor accounts as the records
`refunds.services.ingest` takes, with a `TruthRecord` per deduction; `loader.load()` writes such a
stream through ingest. The HTTP simulator, report files and benchmarks serve the same stream.
"""

from simulator.catalog import AccountSpec
from simulator.generator import Item, Kind, generate, generate_kind
from simulator.truth import TruthRecord

__all__ = ["AccountSpec", "Item", "Kind", "TruthRecord", "generate", "generate_kind"]
