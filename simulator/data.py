"""The generator's world held in memory and indexed the way the simulated services are queried.

It is also the truth sync is graded against: `records(key, kind)` is exactly what a complete sync
of account `key` must leave in the database (one record per natural key, the last one generated).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from datasources.connectors.base import RECORD_KEYS, DocumentKind
from simulator.catalog import AccountSpec
from simulator.generator import Kind, generate

# Generator kinds → document kinds (what the ingest upserts and the connectors call them).
DOCUMENT_KINDS = {
    Kind.PURCHASE_ORDER: DocumentKind.PURCHASE_ORDERS,
    Kind.SHIPMENT: DocumentKind.SHIPMENTS,
    Kind.INVOICE: DocumentKind.INVOICES,
    Kind.REMITTANCE: DocumentKind.REMITTANCES,
    Kind.CHARGEBACK: DocumentKind.CHARGEBACKS,
}

# Orders and shipments are listed by date, as SP-API's windows read them; the feed in generated order.
_SORT = {
    DocumentKind.PURCHASE_ORDERS: lambda po: (po.ordered_at, po.number),
    DocumentKind.SHIPMENTS: lambda s: (s.shipped_at, s.shipment_id),
}


class SimulatorData:
    """Every record of every simulated account, by account key and document kind."""

    def __init__(self, *, seed: int, accounts: Sequence[AccountSpec], today: date, deductions: int):
        self.seed, self.today, self.deductions = seed, today, deductions
        self.accounts = {spec.key: spec for spec in accounts}
        by_key: dict[tuple[str, str], dict[str, object]] = {}
        self.truths: dict[str, list] = {spec.key: [] for spec in accounts}
        for item in generate(seed=seed, accounts=accounts, today=today, deductions=deductions):
            if item.kind == Kind.TRUTH:
                self.truths[item.account.key].append(item.record)
                continue
            kind = DOCUMENT_KINDS[item.kind]
            by_key.setdefault((item.account.key, kind), {})[self.key_of(kind, item.record)] = item.record
        self._keep(by_key)

    @classmethod
    def from_records(
        cls, *, seed: int, accounts: Sequence[AccountSpec], today: date, records: dict[tuple[str, str], Iterable]
    ) -> SimulatorData:
        """A world of the records given, by (account key, document kind), instead of the generator's (no truth)."""
        world = cls.__new__(cls)
        world.seed, world.today, world.deductions = seed, today, 0
        world.accounts = {spec.key: spec for spec in accounts}
        world.truths = {spec.key: [] for spec in accounts}
        world._keep({slot: {cls.key_of(slot[1], r): r for r in found} for slot, found in records.items()})
        return world

    def _keep(self, by_key: dict[tuple[str, str], dict[str, object]]) -> None:
        """Index the records (the last one per natural key) the way the simulated services are queried."""
        self._records = {
            (key, kind): sorted(by_key.get((key, kind), {}).values(), key=_SORT[kind])
            if kind in _SORT
            else list(by_key.get((key, kind), {}).values())
            for key in self.accounts
            for kind in DocumentKind.ALL
        }
        self._index = {slot: {self.key_of(slot[1], r): r for r in records} for slot, records in self._records.items()}

    @staticmethod
    def key_of(kind: str, record) -> str:
        return getattr(record, RECORD_KEYS[kind])

    def records(self, key: str, kind: str) -> list:
        return self._records[(key, kind)]

    def find(self, key: str, kind: str, natural_key: str):
        return self._index[(key, kind)].get(natural_key)
