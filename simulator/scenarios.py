"""Which deductions a purchase order gets, whether each is right or wrong, and how the documents show it.

A scenario is decided before the documents are rendered, then written into them: a late ASN really
is sent after the delivery in the shipment record, a wrong shortage really has the ASN and the
delivery showing every unit. So a matcher can reach the same verdict from the documents alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from acorn_portal.money import CURRENCY_DECIMALS, quantize
from refunds.choices import DeductionFamily
from simulator.orders import (
    CHARGEBACK_LAG,
    PRICE_CLAIM_BEFORE_DUE,
    RECEIPT_LAG,
    RETURN_LAG,
    SHORTAGE_CLAIM_BEFORE_DUE,
    Order,
    settle_timeline,
)

# Relative weights of the families Amazon deducts per purchase order (shortages dominate; RESEARCH §1.1).
FAMILY_WEIGHTS = {
    DeductionFamily.SHORTAGE: 75,
    DeductionFamily.OPERATIONAL: 17,
    DeductionFamily.PRICE: 6,
    DeductionFamily.RETURN: 3,
}


@dataclass(frozen=True)
class DeductionType:
    code: str
    family: str
    label: str
    weight: int  # within the family
    disputable_share: float  # how often Amazon gets this one wrong
    target: str  # "line", "shipment", "item" or "order"


TYPES = {
    t.code: t
    for t in [
        DeductionType("shortage", DeductionFamily.SHORTAGE, "Shortage claim", 1, 0.6, "line"),
        DeductionType("price_claim", DeductionFamily.PRICE, "Price discrepancy", 1, 0.5, "line"),
        DeductionType("vendor_return", DeductionFamily.RETURN, "Vendor return", 1, 0.35, "item"),
        DeductionType("asn_accuracy", DeductionFamily.OPERATIONAL, "ASN Accuracy", 30, 0.5, "shipment"),
        DeductionType("po_on_time_accuracy", DeductionFamily.OPERATIONAL, "PO On-Time Accuracy", 25, 0.5, "order"),
        DeductionType(
            "no_carton_content_label", DeductionFamily.OPERATIONAL, "No Carton Content Label", 15, 0.5, "shipment"
        ),
        DeductionType(
            "carton_content_accuracy", DeductionFamily.OPERATIONAL, "Carton Content Accuracy", 10, 0.4, "shipment"
        ),
        DeductionType("prep", DeductionFamily.OPERATIONAL, "Prep", 12, 0.3, "item"),
        DeductionType("no_show", DeductionFamily.OPERATIONAL, "No Show", 8, 0.5, "shipment"),
    ]
}


@dataclass(eq=False)
class Slot:
    """One deduction planned on a target (a line, shipment, item or the order) with its verdict."""

    type: DeductionType
    target: object
    disputable: bool
    params: dict = field(default_factory=dict)


def candidates(order: Order) -> dict[str, list]:
    """Targets each deduction type could hit, counting only what will have happened before today.

    Judged on the latest days scenarios could move things to, so a late shipment never pushes a
    planned deduction into the future.
    """
    found: dict[str, list] = {code: [] for code in TYPES}
    for shipment in order.shipments:
        delivered = shipment.latest_delivered_day()
        due = shipment.latest_due_day()
        if due - SHORTAGE_CLAIM_BEFORE_DUE < 0:
            found["shortage"].extend(line for line in shipment.lines if line.invoiced >= 2)
        if due - PRICE_CLAIM_BEFORE_DUE < 0:
            found["price_claim"].extend(shipment.lines)
        if delivered + CHARGEBACK_LAG[1] < 0:
            for code in ("asn_accuracy", "no_carton_content_label", "carton_content_accuracy", "no_show"):
                found[code].append(shipment)
    delivered_all = max(s.latest_delivered_day() for s in order.shipments)
    if delivered_all + CHARGEBACK_LAG[1] < 0:
        found["po_on_time_accuracy"].append(order)
        found["prep"].extend(order.items)
    if delivered_all + RECEIPT_LAG[1] + RETURN_LAG[1] < 0:
        found["vendor_return"].extend(order.items)
    return found


def choose_slots(rng, found: dict[str, list], count: int) -> list[Slot]:
    """Draw up to `count` deductions: a family by weight, a type by weight, then a target not yet hit."""
    pool = {code: list(targets) for code, targets in found.items()}
    slots = []
    for _ in range(count):
        families = [f for f in FAMILY_WEIGHTS if any(pool[t.code] for t in TYPES.values() if t.family == f)]
        if not families:
            break
        family = rng.choices(families, weights=[FAMILY_WEIGHTS[f] for f in families])[0]
        types = [t for t in TYPES.values() if t.family == family and pool[t.code]]
        kind = rng.choices(types, weights=[t.weight for t in types])[0]
        targets = pool[kind.code]
        target = targets.pop(rng.randrange(len(targets)))
        slots.append(Slot(kind, target, disputable=rng.random() < kind.disputable_share))
    return slots


def apply_timeline(rng, order: Order, slots: list[Slot]) -> None:
    """Make right timing chargebacks really late in the documents; keep wrong ones on time."""
    late, no_show, on_time = set(), set(), set()
    for slot in slots:
        code = slot.type.code
        if code == "po_on_time_accuracy" and not slot.disputable:
            late.add(order.shipments[0])
        elif code == "no_show":
            (on_time if slot.disputable else no_show).add(slot.target)
        elif code == "asn_accuracy" and not slot.disputable:
            slot.target.asn_late = True
    settle_timeline(rng, order, late=late, no_show=no_show, on_time=on_time)


def apply_quantities(rng, slots: list[Slot], currency: str) -> None:
    """Shortage and price scenarios change what was shipped, received and invoiced."""
    for slot in slots:
        if slot.type.code == "shortage":
            _shortage(rng, slot)
        elif slot.type.code == "price_claim":
            _price(rng, slot, currency)


def _shortage(rng, slot: Slot) -> None:
    line = slot.target
    invoiced = line.invoiced
    if not slot.disputable:
        variant = "shortage_short_shipped"  # the ASN itself lists fewer units than the invoice
    else:
        variant = rng.choices(
            ["shortage_lost_after_delivery", "shortage_received_in_full", "shortage_partly_short_shipped"],
            weights=[60, 20, 20],
        )[0]
    claimed = rng.randint(1, max(1, invoiced // 3))
    if variant == "shortage_short_shipped":
        line.shipped = line.received = invoiced - claimed
        recoverable = 0
    elif variant == "shortage_lost_after_delivery":
        line.received = invoiced - claimed
        recoverable = claimed
    elif variant == "shortage_received_in_full":
        recoverable = claimed
    else:
        short_shipped = rng.randint(1, claimed) if claimed > 1 else 1
        claimed = max(claimed, short_shipped + 1)
        line.shipped = invoiced - short_shipped
        line.received = invoiced - claimed
        recoverable = claimed - short_shipped
    slot.params.update(variant=variant, claimed=claimed, recoverable=recoverable)


def _price(rng, slot: Slot, currency: str) -> None:
    """Amazon claims the invoice cost is `share` % above its cost; right only if the invoice says so."""
    line = slot.target
    share = rng.randint(3, 15)
    minor_unit = Decimal(1).scaleb(-CURRENCY_DECIMALS[currency])
    delta = max(quantize(line.item.net_cost * share / 100, currency), minor_unit)
    if slot.disputable:
        variant = "price_invoice_matches_po_cost"  # Amazon's cost on file is stale
    else:
        variant = "price_invoiced_above_po_cost"
        line.unit_cost = line.item.net_cost + delta
    slot.params.update(variant=variant, delta=delta)


def apply_cartons(rng, slots: list[Slot]) -> None:
    """Carton label and content scenarios edit the ASN's carton data (after cartons are planned)."""
    for slot in slots:
        shipment = slot.target
        if slot.type.code == "no_carton_content_label":
            count = rng.randint(1, min(3, len(shipment.cartons)))
            slot.params["cartons"] = count
            if not slot.disputable:
                for carton in rng.sample(shipment.cartons, count):
                    carton.identifier_type = carton.identifier = carton.tracking = ""
        elif slot.type.code == "carton_content_accuracy":
            defects = rng.randint(1, 3)
            slot.params["defects"] = defects
            if not slot.disputable:
                rng.choice(shipment.cartons).quantity += defects
