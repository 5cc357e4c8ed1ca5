"""Render planned deductions into Amazon's chargeback records, the truth about each, and payment entries.

Descriptions say what Amazon claims (the same for right and wrong deductions); only the truth note
says what the documents prove.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from acorn_portal.money import quantize
from refunds.services.records import ChargebackRecord
from simulator.catalog import AccountSpec, flat_fee, prep_fee
from simulator.documents import asn_sent_at, delivered_at, shipped_at
from simulator.ids import scribble_po_number
from simulator.orders import (
    CHARGEBACK_LAG,
    PRICE_CLAIM_BEFORE_DUE,
    RETURN_LAG,
    REVERSAL_LAG,
    SHORTAGE_CLAIM_BEFORE_DUE,
    Clock,
    Order,
    happened,
)
from simulator.remittances import Entry
from simulator.scenarios import Slot
from simulator.truth import TruthRecord

SCRIBBLED_PO_SHARE = 0.15  # deductions whose PO number a person or spreadsheet mangled
RETURN_CONDITIONS = ["Damaged", "Overstock", "Defective", "Expired"]


@dataclass
class Rendered:
    chargeback: ChargebackRecord
    truth: TruthRecord
    entry: Entry | None


class DeductionWriter:
    """Turns the slots of one account's orders into records; `next_id()` hands out Amazon issue ids."""

    def __init__(self, *, account: AccountSpec, clock: Clock, next_id):
        self.account = account
        self.clock = clock
        self.next_id = next_id

    def render(self, rng, order: Order, slot: Slot) -> Rendered:
        method = getattr(self, f"_{slot.type.code}")
        return method(rng, order, slot)

    # helpers

    def _money(self, amount: Decimal) -> Decimal:
        return quantize(amount, self.account.currency)

    def _po(self, rng, order: Order) -> str:
        return scribble_po_number(order.number, rng) if rng.random() < SCRIBBLED_PO_SHARE else order.number

    def _truth(self, amazon_id, disputable, recovery, reason, note) -> TruthRecord:
        recovery = self._money(recovery) if disputable else Decimal(0)
        return TruthRecord(
            amazon_id=amazon_id,
            is_disputable=disputable,
            expected_recovery=recovery,
            currency=self.account.currency,
            reason=reason,
            note=note,
        )

    def _chargeback(self, rng, order, slot, *, amazon_id, day, amount, **fields) -> ChargebackRecord:
        return ChargebackRecord(
            amazon_id=amazon_id,
            family=slot.type.family,
            deduction_type=slot.type.code,
            amount=self._money(amount),
            currency=self.account.currency,
            issue_date=self.clock.date(day),
            po_number=self._po(rng, order),
            **fields,
        )

    def _operational(self, rng, order, slot, *, day, amount, quantity, sub_type, description, truth, asin=""):
        amazon_id = self.next_id()
        chargeback = self._chargeback(
            rng,
            order,
            slot,
            amazon_id=amazon_id,
            day=day,
            amount=amount,
            quantity=quantity,
            sub_type=sub_type,
            asin=asin,
            amazon_status="Charged",
            description=description,
        )
        reason, note, recovery = truth
        entry = Entry(day + 3, f"{amazon_id}VCBSINV", day, -chargeback.amount, slot.type.label)
        return Rendered(chargeback, self._truth(amazon_id, slot.disputable, recovery, reason, note), entry)

    # one method per deduction type

    def _shortage(self, rng, order, slot) -> Rendered:
        line, params = slot.target, slot.params
        shipment, asin, unit = line.shipment, line.item.product.asin, line.item.unit.lower()
        day = shipment.due_day - SHORTAGE_CLAIM_BEFORE_DUE
        params["issue_day"] = day
        claimed, variant = params["claimed"], params["variant"]
        reversal_day = day + rng.randint(*REVERSAL_LAG)
        reversed_now = variant == "shortage_received_in_full" and happened(reversal_day) and rng.random() < 0.5
        amazon_id = f"{shipment.invoice_number}SC-{asin}"
        chargeback = self._chargeback(
            rng,
            order,
            slot,
            amazon_id=amazon_id,
            day=day,
            amount=line.unit_cost * claimed,
            quantity=claimed,
            sub_type="Purchase quantity variance",
            asin=asin,
            invoice_number=shipment.invoice_number,
            amazon_status="Reversed" if reversed_now else "Open",
            description=f"Shortage claim {shipment.invoice_number}SC: {claimed} {unit} of {asin} not received",
        )
        note = self._shortage_note(line, variant, params["recoverable"])
        disputable, reason = slot.disputable, variant
        if reversed_now:
            params["reversed_day"] = reversal_day
            disputable, reason = False, "shortage_reversed_by_amazon"
            note = f"Amazon reversed the claim itself (invoice {shipment.invoice_number}SCR)."
        recovery = line.unit_cost * params["recoverable"]
        # The deduction is paid out through the SC invoice line of the remittance (documents.py).
        return Rendered(chargeback, self._truth(amazon_id, disputable, recovery, reason, note), None)

    def _shortage_note(self, line, variant: str, recoverable: int) -> str:
        shipment, asin, unit = line.shipment, line.item.product.asin, line.item.unit.lower()
        asn, invoice = f"ASN {shipment.shipment_id}", f"invoice {shipment.invoice_number}"
        if variant == "shortage_short_shipped":
            return f"{asn} lists {line.shipped} {unit} of {asin} but {invoice} bills {line.invoiced}: never shipped."
        if variant == "shortage_lost_after_delivery":
            delivered = self.clock.date(shipment.delivered_day)
            return (
                f"{asn} lists all {line.invoiced} {unit} of {asin}, delivered on {delivered}; "
                f"Amazon received {line.received}: lost after delivery."
            )
        if variant == "shortage_received_in_full":
            return f"Amazon's receipts show all {line.invoiced} {unit} of {asin} on {asn} received."
        return (
            f"{asn} lists {line.shipped} of {line.invoiced} {unit} invoiced and Amazon received {line.received}: "
            f"{recoverable} {unit} are recoverable."
        )

    def _price_claim(self, rng, order, slot) -> Rendered:
        line, delta = slot.target, slot.params["delta"]
        shipment, cost = line.shipment, line.item.net_cost
        day = shipment.due_day - PRICE_CLAIM_BEFORE_DUE
        amazon_cost = cost - delta if slot.disputable else cost
        amazon_id = self.next_id()
        chargeback = self._chargeback(
            rng,
            order,
            slot,
            amazon_id=amazon_id,
            day=day,
            amount=delta * line.invoiced,
            quantity=line.invoiced,
            sub_type="Price discrepancy",
            asin=line.item.product.asin,
            invoice_number=shipment.invoice_number,
            amazon_status="Open",
            description=f"Invoice {shipment.invoice_number} line {line.seq}: invoice cost {line.unit_cost}, "
            f"Amazon cost {amazon_cost} {self.account.currency}",
        )
        if slot.disputable:
            note = f"Invoice cost {line.unit_cost} equals the PO cost {cost}: Amazon's cost on file is stale."
        else:
            note = f"Invoice cost {line.unit_cost} is above the PO cost {cost}: the claim is right."
        truth = self._truth(amazon_id, slot.disputable, chargeback.amount, slot.params["variant"], note)
        entry = Entry(shipment.due_day, amazon_id, day, -chargeback.amount, "Price claim")
        return Rendered(chargeback, truth, entry)

    def _asn_accuracy(self, rng, order, slot) -> Rendered:
        shipment = slot.target
        rate = rng.choice([2, 4, 6])
        cost = sum(line.shipped * line.item.net_cost for line in shipment.lines)
        sent, shipped = asn_sent_at(shipment, self.clock), shipped_at(shipment, self.clock)
        arrived = delivered_at(shipment, self.clock)
        if slot.disputable:
            truth = ("asn_sent_on_time", f"ASN sent {sent:%Y-%m-%d %H:%M}, before shipping at {shipped:%H:%M}.")
        else:
            truth = ("asn_really_late", f"ASN sent {sent:%Y-%m-%d %H:%M}, after delivery at {arrived:%Y-%m-%d %H:%M}.")
        amount = max(self._money(cost * rate / 100), self._money(Decimal("0.01")))
        return self._operational(
            rng,
            order,
            slot,
            day=shipment.delivered_day + rng.randint(*CHARGEBACK_LAG),
            amount=amount,
            quantity=shipment.units,
            sub_type="Late ASN",
            description=f"ASN Accuracy - Late ASN: ARN {shipment.arn} at {order.fc}, {rate}% of product cost",
            truth=(*truth, amount),
        )

    def _po_on_time_accuracy(self, rng, order, slot) -> Rendered:
        shipment = order.shipments[0]
        cost = sum(line.shipped * line.item.net_cost for line in shipment.lines)
        window = f"{self.clock.date(order.ship_window_start)} to {self.clock.date(order.ship_window_end)}"
        if slot.disputable:
            truth = ("po_shipped_in_window", f"Every shipment left inside the ship window {window}.")
        else:
            left = self.clock.date(shipment.ship_day)
            truth = ("po_shipped_late", f"Shipment {shipment.shipment_id} left on {left}, after the window {window}.")
        amount = max(self._money(cost * 3 / 100), self._money(Decimal("0.01")))
        return self._operational(
            rng,
            order,
            slot,
            day=max(s.delivered_day for s in order.shipments) + rng.randint(*CHARGEBACK_LAG),
            amount=amount,
            quantity=shipment.units,
            sub_type="Not on time",
            description=f"PO On-Time Accuracy - Not on time: PO {order.number}, 3% of product cost",
            truth=(*truth, amount),
        )

    def _no_carton_content_label(self, rng, order, slot) -> Rendered:
        shipment, count = slot.target, slot.params["cartons"]
        amount = flat_fee("no_carton_content_label", self.account.currency) * count
        if slot.disputable:
            truth = ("cartons_labelled", f"Every carton of ASN {shipment.shipment_id} carries an SSCC or AMZNCC id.")
        else:
            truth = ("cartons_unlabelled", f"{count} cartons of ASN {shipment.shipment_id} carry no label id.")
        return self._operational(
            rng,
            order,
            slot,
            day=shipment.delivered_day + rng.randint(*CHARGEBACK_LAG),
            amount=amount,
            quantity=count,
            sub_type="Missing carton label",
            description=f"No Carton Content Label: {count} cartons, ARN {shipment.arn} at {order.fc}",
            truth=(*truth, amount),
        )

    def _carton_content_accuracy(self, rng, order, slot) -> Rendered:
        shipment, defects = slot.target, slot.params["defects"]
        amount = flat_fee("carton_content_accuracy", self.account.currency) * defects
        if slot.disputable:
            truth = ("carton_contents_match", f"Carton contents of ASN {shipment.shipment_id} add up to the items.")
        else:
            truth = ("carton_contents_mismatch", f"Carton contents of ASN {shipment.shipment_id} exceed the items.")
        return self._operational(
            rng,
            order,
            slot,
            day=shipment.delivered_day + rng.randint(*CHARGEBACK_LAG),
            amount=amount,
            quantity=defects,
            sub_type="Carton contents differ from ASN",
            description=f"Carton Content Accuracy: {defects} defects, ARN {shipment.arn}",
            truth=(*truth, amount),
        )

    def _prep(self, rng, order, slot) -> Rendered:
        item = slot.target
        sub_type = rng.choice(["Bagging", "Bubble wrap", "ASIN stickering", "Taping", "Cap seal", "Opaque covering"])
        fee, received = prep_fee(sub_type, self.account.currency), item.received
        extra = rng.randint(1, max(1, received // 2 + 1))
        if slot.disputable or received == 0:
            slot.disputable, units = True, received + extra
            truth = ("prep_units_not_received", f"Charged {units} units; Amazon received {received}.", fee * extra)
        else:
            units = rng.randint(1, received)
            truth = ("prep_units_received", f"Charged {units} units of {received} received.", Decimal(0))
        return self._operational(
            rng,
            order,
            slot,
            day=max(s.delivered_day for s in order.shipments) + rng.randint(*CHARGEBACK_LAG),
            amount=fee * units,
            quantity=units,
            sub_type=sub_type,
            asin=item.product.asin,
            description=f"Prep - {sub_type}: {units} units of {item.product.asin}",
            truth=truth,
        )

    def _no_show(self, rng, order, slot) -> Rendered:
        shipment = slot.target
        amount = flat_fee("no_show", self.account.currency)
        arrived = self.clock.date(shipment.delivered_day)
        window = f"{self.clock.date(order.delivery_window_start)} to {self.clock.date(order.delivery_window_end)}"
        if slot.disputable:
            truth = ("delivered_in_window", f"Proof of delivery on {arrived}, inside the delivery window {window}.")
        else:
            truth = ("appointment_missed", f"Delivered on {arrived}, after the delivery window {window}.")
        return self._operational(
            rng,
            order,
            slot,
            day=shipment.delivered_day + rng.randint(*CHARGEBACK_LAG),
            amount=amount,
            quantity=None,
            sub_type="Missed appointment",
            description=f"No Show: ARN {shipment.arn} at {order.fc}",
            truth=(*truth, amount),
        )

    def _vendor_return(self, rng, order, slot) -> Rendered:
        item = slot.target
        condition, received = rng.choice(RETURN_CONDITIONS), item.received
        valid_units, extra = rng.randint(1, max(1, received // 4)), rng.randint(1, 3)
        if slot.disputable or received == 0:
            slot.disputable, units = True, received + extra
            reason, note = "return_exceeds_received", f"Returned {units} units; Amazon only received {received}."
        else:
            units = valid_units
            reason, note = "return_within_received", f"Returned {units} of {received} units received."
        amazon_id = self.next_id()
        last_receipt = max(line.shipment.receipt_day for line in item.lines)
        day = last_receipt + rng.randint(*RETURN_LAG)
        chargeback = self._chargeback(
            rng,
            order,
            slot,
            amazon_id=amazon_id,
            day=day,
            amount=item.net_cost * units,
            quantity=units,
            sub_type=condition,
            asin=item.product.asin,
            amazon_status="Debited",
            description=f"Vendor return ({condition.lower()}): {units} {item.unit.lower()} of {item.product.asin}",
        )
        truth = self._truth(amazon_id, slot.disputable, item.net_cost * extra, reason, note)
        return Rendered(chargeback, truth, Entry(day + 3, amazon_id, day, -chargeback.amount, "Vendor returns debit"))
