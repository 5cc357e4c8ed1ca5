"""Faults on demand for the HTTP simulator, seeded so a run can be replayed.

`FaultPlan.parse("429=0.2,5xx=0.1,latency=50ms,reset=0.05,malformed=0.02,duplicates=0.1")`:
rates are probabilities per request (at most one transport fault per request); `latency` delays
every answer; `timeout` answers only after `hang` (default 2s), so a client with a shorter timeout
gives up; `reset` drops the connection with a TCP RST; `malformed` sends half a JSON body;
`truncated` promises a longer body than it sends; `duplicates` repeats the previous page's last
record at the start of a page (payload-level, so it combines with the others).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

TRANSPORT_FAULTS = ("429", "5xx", "timeout", "reset", "malformed", "truncated")
KNOWN = (*TRANSPORT_FAULTS, "duplicates", "latency", "hang")


def _seconds(value: str) -> float:
    value = value.strip().lower()
    if value.endswith("ms"):
        return float(value[:-2]) / 1000
    return float(value.removesuffix("s"))


@dataclass
class FaultPlan:
    """Fault rates and delays; `draw()` decides the fate of one request."""

    rates: dict[str, float] = field(default_factory=dict)
    latency: float = 0.0
    hang: float = 2.0
    seed: int = 0

    def __post_init__(self):
        self.rng = random.Random(f"faults|{self.seed}")
        self.lock = threading.Lock()

    @classmethod
    def parse(cls, text: str | None, *, seed: int = 0) -> FaultPlan:
        plan = cls(seed=seed)
        for part in filter(None, (p.strip() for p in (text or "").split(","))):
            name, _, value = part.partition("=")
            name = name.strip().lower()
            if name not in KNOWN or not value:
                raise ValueError(f"Unknown fault {part!r}; known: {', '.join(KNOWN)} (e.g. 429=0.2,latency=50ms).")
            if name == "latency":
                plan.latency = _seconds(value)
            elif name == "hang":
                plan.hang = _seconds(value)
            else:
                rate = float(value)
                if not 0 <= rate <= 1:
                    raise ValueError(f"Fault rate {part!r} must be between 0 and 1.")
                plan.rates[name] = rate
        return plan

    def draw(self) -> tuple[str | None, bool]:
        """(transport fault or None, whether to duplicate a record) for the next request."""
        with self.lock:
            roll, duplicate = self.rng.random(), self.rng.random() < self.rates.get("duplicates", 0)
        threshold = 0.0
        for name in TRANSPORT_FAULTS:
            threshold += self.rates.get(name, 0)
            if roll < threshold:
                return name, duplicate
        return None, duplicate

    def coin(self) -> float:
        with self.lock:
            return self.rng.random()

    def __str__(self):
        parts = [f"{name}={rate}" for name, rate in self.rates.items()]
        if self.latency:
            parts.append(f"latency={self.latency * 1000:.0f}ms")
        return ",".join(parts) or "none"
