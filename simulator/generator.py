"""A deterministic fake Vendor Central: purchase orders, ASNs, invoices, payments and deductions.

    for item in generate(seed=7, accounts=[AccountSpec.for_marketplace("US", vendor_code="DMBUS")],
                         today=date(2026, 11, 1), deductions=2_000):
        item.kind, item.record  # e.g. "purchase_order", PurchaseOrderRecord(...)

Each shipment is invoiced on its own and its ASN's shipment id is the invoice number, which is how
a matcher pairs an invoice (and Amazon's `…SC` claim on it) with what the ASN says was shipped.

The stream yields the records `refunds.services.ingest` takes, plus one `TruthRecord` per deduction
(kind "truth") saying whether it is worth disputing. It is lazy: orders are planned one at a time,
oldest first, and payments are handed out as soon as they are complete, so a million deductions
never sit in memory. Everything comes from `random.Random` instances seeded from `seed`; natural
keys depend on the seed and the volume only, never on `today`, which merely anchors the calendar.

Volume: 0.16 purchase orders per deduction (the demo's 2,000 deductions come with 320 POs over
three accounts, about 1,000 invoices and 100 payments); the number of deductions is exact. Shortage
claims are made per invoice line, so shortages dominate (about 60–65 %), then operational
chargebacks, price claims, returns, co-op and provisions.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from simulator import accountwide, documents, scenarios
from simulator.catalog import AccountSpec, build_catalog, carriers, fulfilment_centres, scaled
from simulator.deductions import DeductionWriter, Rendered
from simulator.ids import ALNUM, Code, sscc, stable_int
from simulator.orders import (
    SHIP_WINDOW_OPENS,
    Clock,
    Order,
    happened,
    plan_cartons,
    plan_items,
    plan_shipments,
)
from simulator.remittances import Entry, PaymentBook

# Nine months of history: old enough for shortage claims (due date + 55 days) to have matured on
# most orders; what SP-API no longer serves (six months) comes from report files.
MAX_AGE_DAYS = 270
ORDERS_PER_DEDUCTION = 0.16
ACCOUNT_WIDE_SHARES = {"coop": 0.03, "provision": 0.015, "stray": 0.015}
ACCOUNT_WIDE_MIN_AGE = 60  # account-wide deductions are spread over orders at least this old
PAYMENT_LAG_MIN = 10  # nothing an order causes is paid earlier than this many days after it


class Kind:
    PURCHASE_ORDER = "purchase_order"
    SHIPMENT = "shipment"
    INVOICE = "invoice"
    REMITTANCE = "remittance"
    CHARGEBACK = "chargeback"
    TRUTH = "truth"
    ALL = (PURCHASE_ORDER, SHIPMENT, INVOICE, REMITTANCE, CHARGEBACK, TRUTH)


class Item(NamedTuple):
    account: AccountSpec
    kind: str
    record: object


def generate(*, seed: int, accounts: Sequence[AccountSpec], today: date, deductions: int) -> Iterator[Item]:
    """The whole simulated world, account after account, as a lazy stream of (account, kind, record)."""
    for account, budget in zip(accounts, split_budget(deductions, [a.weight for a in accounts]), strict=True):
        yield from AccountWorld(seed=seed, account=account, today=today, deductions=budget).stream()


def generate_kind(kind: str, **options) -> Iterator[Item]:
    """Only the items of one kind (e.g. for an HTTP endpoint serving purchase orders); same arguments."""
    return (item for item in generate(**options) if item.kind == kind)


def split_budget(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` by weight into whole numbers that add up exactly (largest remainders win)."""
    if not weights:
        return []
    weight_sum = sum(weights) or 1
    shares = [total * w / weight_sum for w in weights]
    counts = [int(share) for share in shares]
    by_remainder = sorted(range(len(weights)), key=lambda i: (counts[i] - shares[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


class AccountWorld:
    """One account's simulated history, planned order by order."""

    def __init__(self, *, seed: int, account: AccountSpec, today: date, deductions: int):
        self.seed, self.account, self.deductions = seed, account, deductions
        self.clock = Clock(today, ZoneInfo(account.time_zone))
        self.order_count = max(1, round(deductions * ORDERS_PER_DEDUCTION))
        self.codes = self._codes()
        self.gs1_prefix = f"{stable_int(seed, account.key, 'gs1') % 10**7:07d}"  # the vendor's GS1 company prefix
        self.invoice_prefix = str(1 + stable_int(seed, account.key, "invoice") % 9)
        self.counters: dict[str, int] = defaultdict(int)
        catalog_rng = random.Random(f"{seed}|{account.key}|catalog")
        self.catalog = build_catalog(catalog_rng, seed=seed, account=account, size=max(24, self.order_count // 3))
        self.book = PaymentBook(seed=seed, account_key=account.key, currency=account.currency, clock=self.clock)
        self.writer = DeductionWriter(account=account, clock=self.clock, next_id=self._next_id)
        self.account_wide = accountwide.AccountWideWriter(
            seed=seed,
            account=account,
            clock=self.clock,
            next_id=self._next_id,
            po_code=self.codes["po"],
            invoice_code=self._invoice_number,
        )
        self.receipts_since = Decimal(0)  # invoiced since the last co-op or provision: their base
        self.schedule = self._account_wide_schedule()
        self.order_budget = deductions - sum(len(kinds) for kinds in self.schedule.values())
        self.weight_left = self._weights_left()
        self.lines_seen = (0, 0)  # shortage-eligible lines and orders so far, for _deduction_count

    def _codes(self) -> dict[str, Code]:
        salt = (self.seed, self.account.key)
        return {
            "po": Code(*salt, "po", alphabet=ALNUM, width=8),
            "invoice": Code(*salt, "invoice", width=8),
            "arn": Code(*salt, "arn", width=10),
            "bol": Code(*salt, "bol", width=17),
            "pro": Code(*salt, "pro", width=10),
            "deduction": Code(*salt, "deduction", width=11),
            "carton": Code(*salt, "carton", width=9),
            "ups_tracking": Code(*salt, "ups-tracking", alphabet=ALNUM, width=16),
            "tracking": Code(*salt, "tracking", width=12),
        }

    def _next(self, name: str) -> int:
        value = self.counters[name]
        self.counters[name] += 1
        return value

    def _next_id(self) -> str:
        return self.codes["deduction"](self._next("deduction"))

    def _invoice_number(self, index: int) -> str:
        # Vendors' invoice numbers: 9 digits, ending in a digit so Amazon's SC/SCR suffixes parse.
        return self.invoice_prefix + self.codes["invoice"](index)

    # Volume planning

    def order_day(self, index: int) -> int:
        """Orders are spread evenly over MAX_AGE_DAYS, oldest first; the newest is yesterday's."""
        return -(MAX_AGE_DAYS - index * MAX_AGE_DAYS // self.order_count)

    @staticmethod
    def _capacity(age: int) -> float:
        """Roughly how many deductions an order of this age can have had yet, relative to an old one."""
        if age >= 80:
            return 1.0
        return 0.15 if age >= 45 else 0.0

    def _weights_left(self) -> list[float]:
        left, total = [0.0] * (self.order_count + 1), 0.0
        for index in range(self.order_count - 1, -1, -1):
            total += self._capacity(-self.order_day(index))
            left[index] = total
        return left

    def _account_wide_schedule(self) -> dict[int, list[str]]:
        rng = random.Random(f"{self.seed}|{self.account.key}|account-wide")
        kinds = [kind for kind, share in ACCOUNT_WIDE_SHARES.items() for _ in range(round(self.deductions * share))]
        rng.shuffle(kinds)
        eligible = sum(1 for i in range(self.order_count) if -self.order_day(i) >= ACCOUNT_WIDE_MIN_AGE) or 1
        schedule: dict[int, list[str]] = defaultdict(list)
        for n, kind in enumerate(kinds):
            schedule[n * eligible // len(kinds)].append(kind)
        return schedule

    def _deduction_count(self, rng, index: int, found: dict[str, list]) -> int:
        """This order's share of the remaining budget, by its age and its number of lines, with spread.

        Orders with more invoice lines get more deductions (shortages are claimed per line), scaled by
        the mean seen so far, so the budget needs no look-ahead.
        """
        capacity = self._capacity(-self.order_day(index))
        lines = len(found["shortage"])
        if capacity >= 1:
            self.lines_seen = (self.lines_seen[0] + lines, self.lines_seen[1] + 1)
            capacity *= lines * self.lines_seen[1] / max(self.lines_seen[0], 1)
        left = self.weight_left[index]
        mean = self.order_budget * capacity / left if left else 0.0
        wanted = mean * rng.uniform(0.6, 1.4)
        count = int(wanted) + (1 if rng.random() < wanted - int(wanted) else 0)
        return min(count, self.order_budget)

    # The stream

    def stream(self) -> Iterator[Item]:
        for index in range(self.order_count):
            day = self.order_day(index)
            yield from self._remittances(self.book.close_before(day + PAYMENT_LAG_MIN))
            rng = random.Random(f"{self.seed}|{self.account.key}|order|{index}")
            yield from self._order(rng, index, day)
            for kind in self.schedule.get(index, ()):
                yield from self._account_wide(rng, kind, day)
        yield from self._leftovers()
        yield from self._remittances(self.book.close_all())

    def _remittances(self, records) -> Iterator[Item]:
        for record in records:
            yield Item(self.account, Kind.REMITTANCE, record)

    def _emit(self, rendered: Rendered, *, pay: bool = True) -> Iterator[Item]:
        yield Item(self.account, Kind.CHARGEBACK, rendered.chargeback)
        yield Item(self.account, Kind.TRUTH, rendered.truth)
        if pay and rendered.entry is not None:
            self.book.add(rendered.entry)

    def _order(self, rng, index: int, day: int) -> Iterator[Item]:
        order = self._plan_order(rng, index, day)
        found = scenarios.candidates(order)
        slots = scenarios.choose_slots(rng, found, self._deduction_count(rng, index, found))
        self.order_budget -= len(slots)
        scenarios.apply_timeline(rng, order, slots)
        scenarios.apply_quantities(rng, slots, self.account.currency)
        for shipment in order.shipments:
            plan_cartons(shipment, label=lambda rng=rng: self._label(rng))
            if documents.shipment_type(shipment) == "SmallParcel":
                for carton in shipment.cartons:
                    carton.tracking = self._tracking(shipment)
        scenarios.apply_cartons(rng, slots)
        rendered = [self.writer.render(rng, order, slot) for slot in slots]
        yield Item(self.account, Kind.PURCHASE_ORDER, documents.render_purchase_order(order, self.account, self.clock))
        yield from self._shipments(order, slots)
        for item in rendered:
            yield from self._emit(item)

    def _plan_order(self, rng, index: int, day: int) -> Order:
        order = Order(
            index=index,
            number=self.codes["po"](index),
            fc=rng.choice(fulfilment_centres(self.account)),
            ordered_day=day,
            ordered_minute=rng.randint(0, 24 * 60 - 1),
            ship_window_start=day + rng.randint(*SHIP_WINDOW_OPENS),
            terms=self.account.payment_terms_days,
        )
        order.items = plan_items(rng, self.catalog)
        plan_shipments(rng, order, next_index=lambda: self._next("shipment"), carriers=carriers(self.account))
        for shipment in order.shipments:
            n = shipment.index
            shipment.invoice_number = self._invoice_number(n)
            # One invoice per shipment, and the ASN's vendor shipment id is that invoice number (as
            # many ERPs do): the link a matcher uses to pair a claim's invoice with its ASN.
            shipment.shipment_id = shipment.invoice_number
            shipment.arn = self.codes["arn"](n)
            shipment.bill_of_lading = self.codes["bol"](n)
            shipment.pro_number = self.codes["pro"](n)
        return order

    def _shipments(self, order: Order, slots) -> Iterator[Item]:
        shortages = defaultdict(list)
        for slot in slots:
            if slot.type.code == "shortage":
                shortages[slot.target.shipment].append(slot)
        for shipment in order.shipments:
            if not happened(shipment.ship_day):
                continue  # not shipped yet: no ASN, no invoice
            yield Item(self.account, Kind.SHIPMENT, documents.render_shipment(shipment, self.clock))
            for record in documents.render_invoices(shipment, self.account, self.clock, shortages[shipment]):
                if isinstance(record, Entry):
                    self.book.add(record)
                    continue
                if record.invoice_type == "Invoice" and not record.number.endswith("R"):
                    self.receipts_since += record.amount
                yield Item(self.account, Kind.INVOICE, record)

    def _label(self, rng) -> tuple[str, str, str]:
        serial = self.codes["carton"](self._next("carton"))
        if rng.random() < 0.2:
            return "AMZNCC", f"AMZNCC{serial}", ""
        return "SSCC", sscc(self.gs1_prefix, serial), ""

    def _tracking(self, shipment) -> str:
        n = self._next("tracking")
        return f"1Z{self.codes['ups_tracking'](n)}" if shipment.carrier[0] == "UPSN" else self.codes["tracking"](n)

    def _account_wide(self, rng, kind: str, day: int) -> Iterator[Item]:
        event_day = day + rng.randint(12, 40)
        base = max(self.receipts_since, scaled(Decimal(5000), self.account.currency))
        if kind == "coop":
            self.receipts_since = Decimal(0)
            yield from self._emit(self.account_wide.coop(rng, min(event_day, -1), base))
        elif kind == "provision":
            rendered, reversal = self.account_wide.provision(rng, min(event_day, -1), base)
            yield from self._emit(rendered)
            if reversal is not None:
                self.book.add(reversal)
        else:
            yield from self._emit(self.account_wide.stray(rng, min(event_day, -1), rng.choice(self.catalog)))

    def _leftovers(self) -> Iterator[Item]:
        """Deductions the orders could not absorb become recent strays, not yet in any payment."""
        rng = random.Random(f"{self.seed}|{self.account.key}|leftovers")
        while self.order_budget > 0:
            self.order_budget -= 1
            stray = self.account_wide.stray(rng, -rng.randint(1, 6), rng.choice(self.catalog))
            yield from self._emit(stray, pay=False)
