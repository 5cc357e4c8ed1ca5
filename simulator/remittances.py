"""Amazon's payments: weekly runs that pay invoices net of the deductions taken since the last one.

Lines are collected by payment run while orders are generated (oldest first) and a remittance is
handed out as soon as no later order can add to it, so memory holds a few weeks of lines, not the
whole history. Runs with more than `max_lines` lines are split into several payments, as Amazon
does for large vendors.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from refunds.services.records import RemittanceLineRecord, RemittanceRecord
from simulator.ids import Code
from simulator.orders import Clock, happened, payment_day


@dataclass(frozen=True)
class Entry:
    """Something a payment settles: `amount` is positive for invoices and credits, negative for deductions."""

    day: int  # when it becomes payable; paid in the next run
    document: str
    document_day: int | None
    amount: Decimal
    description: str


class PaymentBook:
    def __init__(self, *, seed: int, account_key: str, currency: str, clock: Clock, max_lines: int = 2000):
        self.codes = Code(seed, account_key, "payment", width=9)
        self.currency = currency
        self.clock = clock
        self.max_lines = max_lines
        self.open: dict[int, list[Entry]] = defaultdict(list)
        self.closed_before: int | None = None

    def add(self, entry: Entry) -> None:
        run = payment_day(entry.day)
        if not happened(run):
            return  # not paid yet
        if self.closed_before is not None and run < self.closed_before:
            raise ValueError(f"payment run {run} was already handed out; entries must come in day order")
        self.open[run].append(entry)

    def close_before(self, day: int) -> Iterator[RemittanceRecord]:
        """Hand out every payment run before `day`; later entries may no longer go there."""
        self.closed_before = day if self.closed_before is None else max(self.closed_before, day)
        for run in sorted(r for r in self.open if r < day):
            yield from self._render(run, self.open.pop(run))

    def close_all(self) -> Iterator[RemittanceRecord]:
        yield from self.close_before(1)

    def _render(self, run: int, entries: list[Entry]) -> Iterator[RemittanceRecord]:
        week = -run // 7
        for part, start in enumerate(range(0, len(entries), self.max_lines)):
            chunk = entries[start : start + self.max_lines]
            lines = [
                RemittanceLineRecord(
                    line_number=n,
                    invoice_number=entry.document,
                    invoice_date=None if entry.document_day is None else self.clock.date(entry.document_day),
                    description=entry.description,
                    amount=entry.amount,
                    currency=self.currency,
                )
                for n, entry in enumerate(chunk, start=1)
            ]
            yield RemittanceRecord(
                payment_number=self.codes(week * 1000 + part),
                payment_date=self.clock.date(run),
                amount=sum((line.amount for line in lines), Decimal(0)),
                currency=self.currency,
                payment_method="EFT",
                lines=lines,
            )
