"""The plan of one purchase order's life: items, shipments, quantities and the days things happen.

Days are integers relative to `today` (-3 = three days ago) and are drawn without looking at
`today`, so the same seed plans the same world whichever day it runs; only the rendered calendar
dates move. Something "happened" when its day is before today (`day < 0`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from refunds.choices import QuantityUnit
from simulator.catalog import Product

# Timeline, in days (ranges are inclusive).
SHIP_WINDOW_OPENS = (2, 5)  # days after the order
SHIP_WINDOW_DAYS = 6
DELIVERY_WINDOW_OPENS = 2  # days after the ship window opens
DELIVERY_WINDOW_CLOSES = 5  # days after the ship window closes
TRANSIT = (1, 3)
RECEIPT_LAG = (1, 3)  # Amazon finishes receiving this long after delivery
LATE_SHIPMENT = (1, 2)  # days after the ship window closes
NO_SHOW_DELAY = (1, 3)  # days after the delivery window closes
SHORTAGE_CLAIM_BEFORE_DUE = 5  # Amazon raises shortage claims about 5 days before the due date
PRICE_CLAIM_BEFORE_DUE = 3
CHARGEBACK_LAG = (7, 20)  # operational chargebacks follow the delivery by one to three weeks
RETURN_LAG = (20, 60)
REVERSAL_LAG = (28, 40)  # Amazon's own inventory matching reverses some shortage claims
PAYMENT_EVERY = 7


def happened(day: int) -> bool:
    return day < 0


def payment_day(day: int) -> int:
    """The payment run that settles something due on `day`: the next multiple of PAYMENT_EVERY."""
    return -(-day // PAYMENT_EVERY) * PAYMENT_EVERY


@dataclass(frozen=True)
class Clock:
    """Turns relative days into the account's local dates and times."""

    today: date
    tz: ZoneInfo

    def date(self, day: int) -> date:
        return self.today + timedelta(days=day)

    def at(self, day: int, minute: int) -> datetime:
        return datetime.combine(self.date(day), time(), self.tz) + timedelta(minutes=minute)


@dataclass(eq=False)
class Item:
    """A PO line; quantities and cost in its unit of measure (eaches or cases)."""

    seq: str
    product: Product
    unit: str
    unit_size: int
    ordered: int
    accepted: int
    net_cost: Decimal
    lines: list[Line] = field(default_factory=list)

    @property
    def received(self) -> int:
        return sum(line.received for line in self.lines)


@dataclass(eq=False)
class Line:
    """An item on one shipment, and on that shipment's invoice."""

    item: Item
    shipment: Shipment
    seq: int
    invoiced: int
    shipped: int
    received: int
    unit_cost: Decimal  # invoice unit cost


@dataclass(eq=False)
class CartonPlan:
    seq: int
    line: Line
    quantity: int  # as declared in the ASN
    identifier_type: str
    identifier: str
    tracking: str = ""


@dataclass(eq=False)
class Shipment:
    index: int
    order: Order
    ship_day: int
    ship_minute: int
    transit: int
    receipt_lag: int
    delivered_minute: int
    asn_offset: int  # minutes the ASN goes out before shipping (or, when late, after the delivery)
    carrier: tuple[str, str]
    shipment_id: str = ""
    invoice_number: str = ""
    arn: str = ""
    bill_of_lading: str = ""
    pro_number: str = ""
    lines: list[Line] = field(default_factory=list)
    cartons: list[CartonPlan] = field(default_factory=list)
    delivered_day: int = 0
    asn_late: bool = False

    @property
    def receipt_day(self) -> int:
        return self.delivered_day + self.receipt_lag

    @property
    def due_day(self) -> int:
        return self.ship_day + self.order.terms

    @property
    def units(self) -> int:
        return sum(line.shipped for line in self.lines)

    def latest_delivered_day(self) -> int:
        """The latest the delivery can end up after late-shipment or no-show scenarios move it."""
        order = self.order
        latest_ship = order.ship_window_end + LATE_SHIPMENT[1]
        return max(order.delivery_window_end + NO_SHOW_DELAY[1], latest_ship + TRANSIT[1])

    def latest_due_day(self) -> int:
        return self.order.ship_window_end + LATE_SHIPMENT[1] + self.order.terms


@dataclass(eq=False)
class Order:
    index: int
    number: str
    fc: str
    ordered_day: int
    ordered_minute: int
    ship_window_start: int
    terms: int
    items: list[Item] = field(default_factory=list)
    shipments: list[Shipment] = field(default_factory=list)

    @property
    def ship_window_end(self) -> int:
        return self.ship_window_start + SHIP_WINDOW_DAYS

    @property
    def delivery_window_start(self) -> int:
        return self.ship_window_start + DELIVERY_WINDOW_OPENS

    @property
    def delivery_window_end(self) -> int:
        return self.ship_window_end + DELIVERY_WINDOW_CLOSES

    @property
    def lines(self) -> list[Line]:
        return [line for shipment in self.shipments for line in shipment.lines]


def plan_items(rng, catalog: list[Product]) -> list[Item]:
    """1–8 distinct products, ordered in eaches or (for case packs) in cases; some down-confirmed."""
    count = rng.choices(range(1, 9), weights=[1, 1, 2, 3, 4, 4, 3, 3])[0]
    items = []
    for n, product in enumerate(rng.sample(catalog, min(count, len(catalog))), start=1):
        if product.case_size > 1 and rng.random() < 0.7:
            unit, unit_size, ordered = QuantityUnit.CASES, product.case_size, rng.randint(2, 12)
        else:
            unit, unit_size, ordered = QuantityUnit.EACHES, 1, rng.choice([12, 18, 24, 36, 48, 60, 72, 96, 120, 144])
        accepted = ordered
        if rng.random() < 0.1:
            accepted = max(2, ordered - rng.randint(1, max(1, ordered // 5)))
        items.append(Item(str(n), product, unit, unit_size, ordered, accepted, product.each_cost * unit_size))
    return items


def plan_shipments(rng, order: Order, *, next_index, carriers) -> None:
    """Split the accepted quantities over 1–3 shipments, each shipped inside the ship window."""
    count = min(len(order.items), rng.choices([1, 2, 3], weights=[35, 40, 25])[0])
    for _ in range(count):
        shipment = Shipment(
            index=next_index(),
            order=order,
            ship_day=order.ship_window_start + rng.randint(0, 4),
            ship_minute=rng.randint(8 * 60, 17 * 60),
            transit=rng.randint(*TRANSIT),
            receipt_lag=rng.randint(*RECEIPT_LAG),
            delivered_minute=rng.randint(6 * 60, 18 * 60),
            asn_offset=rng.randint(30, 240),
            carrier=rng.choice(carriers),
        )
        order.shipments.append(shipment)
    for n, item in enumerate(order.items):
        parts = [order.shipments[n % count]]
        others = [s for s in order.shipments if s is not parts[0]]
        if others and item.accepted >= 4:
            parts += rng.sample(others, min(rng.randint(0, len(others)), item.accepted // 2 - 1))
        cuts = sorted(rng.sample(range(1, item.accepted), len(parts) - 1))
        quantities = [b - a for a, b in zip([0, *cuts], [*cuts, item.accepted], strict=True)]
        for shipment, quantity in zip(parts, quantities, strict=True):
            line = Line(item, shipment, len(shipment.lines) + 1, quantity, quantity, quantity, item.net_cost)
            shipment.lines.append(line)
            item.lines.append(line)


def settle_timeline(rng, order: Order, *, late: set, no_show: set, on_time: set) -> None:
    """Move shipments that scenarios made late, then fix delivery days.

    `late` ships after the ship window, `no_show` misses its delivery window, `on_time` must arrive
    inside it (a disputed no-show) whatever else happened.
    """
    for shipment in order.shipments:
        if shipment in late:
            shipment.ship_day = order.ship_window_end + rng.randint(*LATE_SHIPMENT)
        delivered = shipment.ship_day + shipment.transit
        if shipment in no_show:
            delivered = max(order.delivery_window_end + rng.randint(*NO_SHOW_DELAY), shipment.ship_day + 1)
        elif shipment in on_time:
            delivered = min(delivered, order.delivery_window_end)
        shipment.delivered_day = delivered


def plan_cartons(shipment: Shipment, *, label) -> None:
    """One carton per case, or eaches packed up to the product's carton capacity; `label()` names each."""
    seq = 0
    for line in shipment.lines:
        per_carton = 1 if line.item.unit == QuantityUnit.CASES else line.item.product.carton_capacity
        remaining = line.shipped
        while remaining > 0:
            quantity = min(per_carton, remaining)
            remaining -= quantity
            seq += 1
            identifier_type, identifier, tracking = label()
            shipment.cartons.append(CartonPlan(seq, line, quantity, identifier_type, identifier, tracking))
