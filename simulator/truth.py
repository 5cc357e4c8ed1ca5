"""The simulator's answers: for each deduction, is it worth disputing and what should come back.

Kept apart from the documents on purpose: connectors and the matcher see only the documents; tests,
benchmarks and reports grade the matcher against these records (stored as `SimulatedTruth`).
"""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, kw_only=True)
class TruthRecord:
    amazon_id: str
    is_disputable: bool
    expected_recovery: Decimal
    currency: str
    reason: str  # a short code, e.g. "shortage_lost_after_delivery"
    note: str = ""  # what the documents show, in words
