"""The generator of a vendor's real-shaped history: orders, ASNs, PODs, invoices, receipts and deductions.

Seeded and deterministic (`random.Random` per account and order). Each order gets one scenario that
decides what went wrong, so every deduction has a story the documents tell:

- shortage claims (`<inv>SC`): units lost after a proven delivery, shipped fewer than invoiced,
  received after the claim, a carton missing on a signed POD, no or an unsigned POD, a mix;
  some reversed (`<inv>SCR`) in full or in part;
- price claims (`<inv>PC`): the vendor billed above the PO, Amazon claimed more than the difference,
  or the invoice matched the PO;
- operational chargebacks per type, some duplicated, some reversed (`VCBSINVR`), a few US rows
  labelled `CAD`, PO numbers written messily;
- co-op invoices against signed agreements: as agreed, overcharged, waived, outside the term,
  duplicated, or against terms the vendor has no copy of.

Nothing here knows the verdict rules: `answers.py` judges the facts independently.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from acorn_portal.marketplaces import MARKETPLACES
from simulator.ids import ALNUM, Code, sscc, stable_int
from simulator.vendor_files.facts import (
    CENT,
    Account,
    Agreement,
    Carton,
    Chargeback,
    Claim,
    CoopInvoice,
    Credit,
    Invoice,
    Line,
    Order,
    Product,
    ProofOfDelivery,
    Shipment,
    VendorWorld,
    WaivedPeriod,
)

HISTORY_DAYS = 860  # older than the longest dispute window (730 days), so some deductions have expired
NET_DUE_DAYS = {"US": 60, "CA": 60, "UK": 90, "DE": 90}
DECIMAL_COMMA = {"DE", "FR", "IT", "ES", "NL", "SE", "PL", "BE"}
MONTH_FIRST = {"US", "CA"}
FCS = {"NA": ["ONT8", "ABE8", "MDW2", "SDF8", "PHX6", "YYZ4"], "EU": ["LBA1", "EDI4", "BHX4", "DTM2", "MUC3", "LTN2"]}
CARRIERS = [("ODFL", "Old Dominion driver"), ("XPOE", "XPO driver"), ("SAIA", "Saia driver"), ("UPSN", "UPS driver")]
SURNAMES = ["Rossi", "Garcia", "Khan", "Murphy", "Jones", "Patel", "Evans", "Novak", "Schmidt", "Lee"]

SCENARIOS = {
    # shortage claims
    "lost_after_delivery": 10,
    "shipped_fewer": 7,
    "received_later": 6,
    "carton_missing": 4,
    "no_proof": 6,
    "unsigned_pod": 3,
    "mixed": 4,
    # operational chargebacks
    "asn_missing": 2,
    "asn_late": 2,
    "asn_units": 2,
    "asn_ok": 3,
    "ontime_in": 3,
    "ontime_out": 3,
    "overage_yes": 2,
    "overage_no": 2,
    "label_no_cartons": 1,
    "label_cartons": 1,
    "sscc_missing": 1,
    "sscc_present": 1,
    "prep": 2,
    "clean": 30,
}
SHORTAGES = {
    "lost_after_delivery",
    "shipped_fewer",
    "received_later",
    "carton_missing",
    "no_proof",
    "unsigned_pod",
    "mixed",
}
PRICE_CLAIM_SHARE = 0.12
CHARGEBACK_DUPLICATE_SHARE = 0.08
CHARGEBACK_REVERSAL_SHARE = 0.15
SHORTAGE_REVERSAL_SHARE = 0.25
CAD_LABEL_SHARE = 0.06


def account_for(vendor_code: str, marketplace: str) -> Account:
    """A vendor account in `marketplace` with the locale Vendor Central prints its exports in."""
    place = MARKETPLACES[marketplace]
    return Account(
        vendor_code=vendor_code,
        marketplace=marketplace,
        marketplace_id=place.marketplace_id,
        region=str(place.region),
        currency=place.currency,
        time_zone=place.time_zone,
        net_due_days=NET_DUE_DAYS.get(marketplace, 60),
        date_format="MM/DD/YYYY"
        if marketplace in MONTH_FIRST
        else "DD.MM.YYYY"
        if marketplace == "DE"
        else "DD/MM/YYYY",
        number_format="1.234,56" if marketplace in DECIMAL_COMMA else "1,234.56",
    )


def simulate_vendor(*, seed: int, as_of: date, accounts: list[Account], orders: int) -> VendorWorld:
    """A vendor's files as of the local midnight starting `as_of`; `orders` purchase orders over all accounts."""
    world = VendorWorld(seed=seed, as_of=as_of, accounts=accounts)
    share = max(1, orders // max(1, len(accounts)))
    for account in accounts:
        AccountHistory(world, account, share).plan()
    _number_chargebacks(world)
    return world


def _number_chargebacks(world: VendorWorld) -> None:
    """Issue IDs rise with time over all vendor codes; a duplicate always comes after the row it copies."""
    rng = random.Random(f"{world.seed}|issue-ids")
    issue_id = 1_146_250_000 + rng.randint(0, 999)
    world.chargebacks.sort(key=lambda c: (c.on, c.duplicate_of is not None, c.order.number))
    for chargeback in world.chargebacks:
        issue_id += rng.randint(50, 700)
        chargeback.issue_id = str(issue_id)
        for credit in chargeback.credits:
            credit.number = f"{chargeback.issue_id}VCBSINVR"
        paid_on = chargeback.on + timedelta(days=rng.randint(2, 6))
        chargeback.paid_on = paid_on if paid_on < world.as_of else None


class AccountHistory:
    """One account's orders, deductions and co-op, planned from its own seeded random streams."""

    def __init__(self, world: VendorWorld, account: Account, orders: int):
        self.world, self.account, self.order_count = world, account, orders
        seed, key = world.seed, account.vendor_code
        self.cutoff = datetime.combine(world.as_of, time(0), tzinfo=account.zone).astimezone(UTC)
        self.rng = random.Random(f"{seed}|{key}|account")
        self.codes = {
            "po": Code(seed, key, "po", alphabet=ALNUM, width=8),
            "invoice": Code(seed, key, "invoice", width=7),
            "shipment": Code(seed, key, "shipment", width=8),
            "carton": Code(seed, key, "carton", width=9),
            "pro": Code(seed, key, "pro", width=10),
            "bol": Code(seed, key, "bol", width=17),
            "tracking": Code(seed, key, "tracking", alphabet=ALNUM, width=16),
            "agreement": Code(seed, key, "agreement", width=8),
        }
        self.counters: dict[str, int] = {}
        self.invoice_lead = str(4 + stable_int(seed, key, "invoice-lead") % 3)  # invoices all start alike
        self.gs1 = f"{stable_int(seed, key, 'gs1') % 10**7:07d}"
        self.coop_prefix = f"{1000 + stable_int(seed, key, 'coop') % 9000}"
        self.catalog = self._catalog(random.Random(f"{seed}|{key}|catalog"))
        self.chargebacks: list[Chargeback] = []

    # numbers

    def _next(self, name: str) -> int:
        self.counters[name] = self.counters.get(name, -1) + 1
        return self.counters[name]

    def _code(self, name: str) -> str:
        return self.codes[name](self._next(name))

    def _catalog(self, rng) -> list[Product]:
        products = []
        for index in range(max(12, self.order_count // 6)):
            asin = "B0" + Code(self.world.seed, self.account.vendor_code, "asin", alphabet=ALNUM, width=8)(index)
            gtin = f"0{stable_int(self.world.seed, self.account.vendor_code, 'gtin', index) % 10**12:012d}"
            cost = Decimal(rng.randint(400, 15_000)) / 100
            products.append(Product(asin=asin, gtin=gtin, cost=cost, case_size=rng.choice([1, 1, 6, 12])))
        return products

    def _local(self, day: date, minutes: int) -> datetime:
        return (datetime.combine(day, time(0), tzinfo=self.account.zone) + timedelta(minutes=minutes)).astimezone(UTC)

    def _before_cutoff(self, instant: datetime | None) -> bool:
        return instant is not None and instant < self.cutoff

    def _local_date(self, instant: datetime) -> date:
        return self.account.local_date(instant)

    # the plan

    def plan(self) -> None:
        first = self.world.as_of - timedelta(days=HISTORY_DAYS)
        for index in range(self.order_count):
            rng = random.Random(f"{self.world.seed}|{self.account.vendor_code}|order|{index}")
            day = first + timedelta(days=index * (HISTORY_DAYS - 10) // self.order_count)
            scenario = rng.choices(list(SCENARIOS), weights=list(SCENARIOS.values()))[0]
            order = self._order(rng, day, scenario)
            self.world.orders.append(order)
            if order.invoice is None:
                continue
            if rng.random() < PRICE_CLAIM_SHARE:  # first: it may set the billed cost a shortage claim uses
                self._price_claim(rng, order)
            if scenario in SHORTAGES:
                self._shortage_claim(rng, order, scenario)
            elif scenario != "clean":
                self._chargeback(rng, order, scenario)
        self.world.chargebacks.extend(self.chargebacks)
        self._coop(random.Random(f"{self.world.seed}|{self.account.vendor_code}|coop"))

    def _order(self, rng, day: date, scenario: str) -> Order:
        ordered_at = self._local(day, rng.randint(7 * 60, 17 * 60))
        start = day + timedelta(days=2)
        order = Order(
            number=self._code("po"),
            account=self.account,
            order_type=rng.choices(["RegularOrder", "NewProductIntroduction", "RushOrder"], [90, 6, 4])[0],
            ordered_at=ordered_at,
            fc=rng.choice(FCS.get(self.account.region, FCS["NA"])),
            ship_window=(self._local(start, 0), self._local(start + timedelta(days=7), 0)),
            delivery_window=(self._local(start + timedelta(days=2), 0), self._local(start + timedelta(days=12), 0)),
            acknowledged_at=ordered_at + timedelta(hours=rng.randint(12, 30)),
        )
        for seq, product in enumerate(rng.sample(self.catalog, rng.choice([1, 1, 2, 2, 3, 4])), start=1):
            order.lines.append(self._line(rng, seq, product, scenario))
        self._ship(rng, order, scenario)
        return order

    def _line(self, rng, seq: int, product: Product, scenario: str) -> Line:
        in_cases = product.case_size > 1 and rng.random() < 0.3
        step = product.case_size if in_cases else 1
        ordered = step * rng.randint(2, 14) * (1 if in_cases else 12 // max(1, rng.choice([1, 2, 3])))
        accepted = ordered if rng.random() < 0.85 or ordered <= 2 * step else ordered - step * rng.randint(1, 2)
        shipped = accepted + (step * rng.randint(1, 3) if scenario == "overage_yes" and seq == 1 else 0)
        return Line(
            seq=seq,
            product=product,
            ordered=ordered,
            accepted=accepted,
            shipped=shipped,
            invoiced=min(shipped, accepted),
            invoice_cost=product.cost,
            received_at_claim=shipped,
            received=shipped,
            gtin_only=rng.random() < 0.1,
            received_in_cases=in_cases,
            cost_text=f"{product.cost:.3f}" if rng.random() < 0.1 else "",
        )

    def _ship(self, rng, order: Order, scenario: str) -> None:
        shipped_at = order.ship_window[0] + timedelta(hours=rng.randint(8, 5 * 24))
        if not self._before_cutoff(shipped_at + timedelta(days=6)):
            return  # not shipped yet
        small = rng.random() < 0.1
        scac, driver = ("UPSN", "UPS driver") if small else rng.choice(CARRIERS[:3])
        in_window = order.delivery_window[0] + timedelta(hours=rng.randint(2, 6 * 24))
        delivered_at = max(in_window, shipped_at + timedelta(hours=30))
        if scenario == "ontime_out":
            delivered_at = order.delivery_window[1] + timedelta(hours=rng.randint(20, 72))
        shipment = Shipment(
            identifier=f"SH{self._code('shipment')}",
            confirmed_at=shipped_at + timedelta(minutes=rng.randint(5, 40)),
            shipped_at=shipped_at,
            estimated_delivery=shipped_at + timedelta(days=3),
            small_parcel=small,
            carrier_scac=scac,
            pro_number=self._code("pro"),
            bill_of_lading="" if small else self._code("bol"),
            cartons=[],
            carton_count=0,
            pallet_count=0 if small else rng.randint(1, 4),
            in_erp=scenario != "asn_missing",
        )
        self._pack(rng, order, shipment, with_cartons=scenario != "label_no_cartons" and rng.random() > 0.03)
        if scenario == "asn_late":
            shipment.confirmed_at = delivered_at + timedelta(hours=rng.randint(4, 30))
        order.shipment = shipment
        self._receive(rng, order, scenario, delivered_at)
        self._prove(rng, order, scenario, delivered_at, driver)
        self._invoice(rng, order)
        order.closed_at = max(line.last_received_at for line in order.lines)

    def _pack(self, rng, order: Order, shipment: Shipment, *, with_cartons: bool) -> None:
        cartons = []
        for line in order.lines:
            per_carton = line.product.case_size if line.received_in_cases else rng.choice([4, 6, 8, 12])
            left = line.shipped
            while left > 0:
                units = min(per_carton, left)
                tracking = f"1Z{self._code('tracking')}" if shipment.small_parcel else ""
                cartons.append(
                    Carton(sscc=sscc(self.gs1, self._code("carton")), items=[(line.seq, units)], tracking=tracking)
                )
                left -= units
        shipment.carton_count = len(cartons)
        shipment.cartons = cartons if with_cartons else []

    def _receive(self, rng, order: Order, scenario: str, delivered_at: datetime) -> None:
        received_at = delivered_at + timedelta(hours=rng.randint(6, 40))
        for line in order.lines:
            line.last_received_at = received_at
        short = order.lines[rng.randrange(len(order.lines))]
        step = short.product.case_size if short.received_in_cases else 1
        lost = step * rng.randint(1, max(1, min(20, short.shipped // step // 4)))
        if scenario in {"lost_after_delivery", "carton_missing", "no_proof", "unsigned_pod", "asn_units"}:
            short.received = short.received_at_claim = short.shipped - lost
        elif scenario == "shipped_fewer":
            short.shipped = short.received = short.received_at_claim = short.invoiced - lost
        elif scenario == "mixed":
            never_shipped = step * rng.randint(1, 3)
            short.shipped = short.invoiced - never_shipped
            short.received = short.received_at_claim = short.shipped - lost
        elif scenario == "received_later":
            short.received_at_claim = short.shipped - lost
            short.received = short.shipped - (0 if rng.random() < 0.5 else step * rng.randint(0, lost // step - 1))
        if scenario in {"shipped_fewer", "mixed"}:
            order.shipment.carton_count = max(1, order.shipment.carton_count - 1)
            self._repack(order)

    def _repack(self, order: Order) -> None:
        """After a line shipped fewer units than invoiced, the ASN's cartons hold what really shipped."""
        shipment = order.shipment
        remaining = {line.seq: line.shipped for line in order.lines}
        kept = []
        for carton in shipment.cartons:
            seq, units = carton.items[0]
            units = min(units, remaining[seq])
            if units > 0:
                remaining[seq] -= units
                kept.append(Carton(sscc=carton.sscc, items=[(seq, units)], tracking=carton.tracking))
        if shipment.cartons:
            shipment.cartons = kept
            shipment.carton_count = len(kept)

    def _prove(self, rng, order: Order, scenario: str, delivered_at: datetime, driver: str) -> None:
        shipment = order.shipment
        if scenario in {"no_proof", "received_later"} or (scenario == "clean" and rng.random() < 0.25):
            return
        kind = "BOL" if not shipment.small_parcel and rng.random() < 0.4 else "POD"
        signed = scenario != "unsigned_pod" and (scenario != "clean" or rng.random() < 0.9)
        cartons = shipment.asn_carton_count - (1 if scenario == "carton_missing" else 0)
        if scenario == "asn_units" and rng.random() < 0.5:
            cartons = max(0, cartons - 1)  # a carton short at the door, too
        who = f"{order.fc} receiving" if kind == "POD" and not shipment.small_parcel else driver
        shipment.proof = ProofOfDelivery(
            kind=kind,
            signed=signed,
            delivered_at=delivered_at,
            cartons_delivered=cartons if rng.random() > 0.04 or scenario != "clean" else None,
            signed_by=f"{who} / {rng.choice('ABCDEFGHJKLMNPRSTVW')}. {rng.choice(SURNAMES)}" if signed else None,
        )

    def _invoice(self, rng, order: Order) -> None:
        # Sent on the warehouse's evening: a US invoice often carries the next day's UTC date.
        issued_at = order.shipment.shipped_at + timedelta(minutes=rng.randint(10, 300))
        local = self._local_date(issued_at)
        order.invoice = Invoice(
            number=self.invoice_lead + self._code("invoice"),
            issued_at=issued_at,
            local_date=local,
            created_date=local + timedelta(days=1 if rng.random() < 0.2 else 0),
            due_date=local + timedelta(days=self.account.net_due_days),
        )

    # deductions

    def _shortage_claim(self, rng, order: Order, scenario: str) -> None:
        claimed = [line for line in order.lines if line.invoiced > line.received_at_claim]
        if not claimed:
            return
        on = order.invoice.due_date - timedelta(days=rng.randint(3, 9))
        if on >= self.world.as_of:
            return
        if scenario == "received_later":
            later = self._local(on, 0) + timedelta(days=rng.randint(4, 40), hours=rng.randint(8, 16))
            if not self._before_cutoff(later):
                for line in claimed:
                    line.received = line.received_at_claim  # nothing arrived since, as far as today shows
            else:
                for line in claimed:
                    line.last_received_at = later
        amount = sum((line.invoice_cost * (line.invoiced - line.received_at_claim) for line in claimed), Decimal(0))
        claim = Claim(kind="SC", order=order, on=on, amount=amount.quantize(CENT), lines=claimed)
        claim.paid_on = self._paid(order.invoice.due_date + timedelta(days=rng.randint(1, 5)))
        if scenario in {"lost_after_delivery", "mixed"} and rng.random() < SHORTAGE_REVERSAL_SHARE:
            credit_on = on + timedelta(days=rng.randint(20, 200))
            if credit_on < self.world.as_of:
                full = rng.random() < 0.5
                credit = claim.amount if full else (claim.amount * Decimal(rng.randint(15, 60)) / 100).quantize(CENT)
                claim.credits.append(Credit(number=f"{order.invoice.number}SCR", on=credit_on, amount=credit))
        self.world.claims.append(claim)

    def _price_claim(self, rng, order: Order) -> None:
        line = rng.choice(order.lines)
        story = rng.choice(["billed_above_po", "claimed_more", "matches_po"])
        if story != "matches_po":
            line.invoice_cost = line.po_cost + Decimal(rng.randint(20, 1200)) / 100
            line.cost_text = ""
        per_unit = line.invoice_cost - line.po_cost
        if story == "claimed_more":
            per_unit += Decimal(rng.randint(10, 500)) / 100
        elif story == "matches_po":
            per_unit = Decimal(rng.randint(20, 900)) / 100
        on = order.invoice.local_date + timedelta(days=rng.randint(3, 40))
        if on >= self.world.as_of:
            return
        claim = Claim(kind="PC", order=order, on=on, amount=(per_unit * line.invoiced).quantize(CENT), lines=[line])
        claim.paid_on = self._paid(order.invoice.due_date + timedelta(days=rng.randint(1, 5)))
        self.world.claims.append(claim)

    def _paid(self, on: date) -> date | None:
        return on if on < self.world.as_of else None

    def _chargeback(self, rng, order: Order, scenario: str) -> None:
        shipment = order.shipment
        delivered = shipment.proof.delivered_at if shipment.proof else shipment.shipped_at + timedelta(days=3)
        on = self._local_date(delivered) + timedelta(days=rng.randint(2, 20))
        if on >= self.world.as_of:
            return
        line = order.lines[0]
        if scenario == "asn_units":
            line = next(li for li in order.lines if li.received != li.shipped)
        kind, sub, notes = _chargeback_texts(scenario)
        quantity = line.received if scenario.startswith(("asn", "ontime", "overage")) else rng.randint(1, 12)
        if scenario == "overage_yes":
            quantity = line.received - line.accepted
        if scenario in {"sscc_missing", "sscc_present"}:
            named = shipment.cartons[0].sscc if scenario == "sscc_present" and shipment.cartons else None
            notes += f": SSCC {named or sscc(self.gs1, self._code('carton'))}"
        fee = Decimal(rng.randint(150, 60_000)) / 100
        label = "CAD" if self.account.currency == "USD" and rng.random() < CAD_LABEL_SHARE else self.account.currency
        chargeback = Chargeback(
            issue_id="",
            order=order,
            asin=line.product.asin,
            type=kind,
            sub_type=sub,
            quantity=quantity,
            amount=fee,
            currency_label=label,
            on=on,
            notes=notes,
            po_written=messy_po(order.number, rng) if rng.random() < 0.3 else order.number,
        )
        self.chargebacks.append(chargeback)
        if rng.random() < CHARGEBACK_DUPLICATE_SHARE:
            twin = Chargeback(**{**chargeback.__dict__, "duplicate_of": chargeback, "credits": []})
            twin.po_written = messy_po(order.number, rng)
            self.chargebacks.append(twin)
        if scenario in {"asn_ok", "ontime_in", "overage_no"} and rng.random() < CHARGEBACK_REVERSAL_SHARE:
            credit_on = on + timedelta(days=rng.randint(3, 25))
            if credit_on + timedelta(days=6) < self.world.as_of:  # paid, so the remittance shows it
                chargeback.credits.append(Credit(number="", on=credit_on, amount=fee))

    # co-op

    def _coop(self, rng) -> None:
        agreements = self._agreements(rng)
        month = _month_end(self.world.as_of - timedelta(days=HISTORY_DAYS - 60))
        invoices: list[CoopInvoice] = []
        while month < self.world.as_of:
            if rng.random() < 0.45:
                invoices.extend(self._coop_invoice(rng, month, agreements))
            month = _month_end(month + timedelta(days=1))
        for n, invoice in enumerate(sorted(invoices, key=lambda i: (i.on, i.duplicate_of is not None))):
            invoice.invoice_id = f"{self.coop_prefix}-{6_700_000 + n * 47 + rng.randint(0, 40):08d}"
            invoice.paid_on = self._paid(invoice.on + timedelta(days=rng.randint(5, 10)))
            self.world.coop_invoices.append(invoice)

    def _agreements(self, rng) -> list[Agreement]:
        agreements = []
        start = (self.world.as_of - timedelta(days=HISTORY_DAYS)).replace(day=1)
        for n in range(4):
            end = _month_end(start + timedelta(days=rng.randint(300, 420)))
            title = (
                f"{rng.choice(['Holiday Marketing Fund', 'Prime Day Promotion Fund', 'Growth Co-op'])} ({start:%b %Y})"
            )
            months = _months(start, end)
            waived = [WaivedPeriod(m.replace(day=1), m, "fee waived by vendor manager") for m in rng.sample(months, 2)]
            agreements.append(
                Agreement(
                    agreement_id=self._code("agreement"),
                    account=self.account,
                    title=title,
                    rate_percent=Decimal(rng.choice([250, 300, 350, 400, 450])) / 100,
                    starts_on=start,
                    ends_on=end,
                    waived=sorted(waived, key=lambda w: w.start),
                    in_erp=n != 2 or rng.random() < 0.5,
                )
            )
            start = end + timedelta(days=1)
        self.world.agreements.extend(agreements)
        return agreements

    def _coop_invoice(self, rng, month: date, agreements: list[Agreement]) -> list[CoopInvoice]:
        current = next((a for a in agreements if a.starts_on <= month <= a.ends_on), None)
        if current is None:
            return []
        story = rng.choices(["agreed", "overcharged", "outside_term"], [75, 17, 8])[0]
        agreement = current
        if story == "outside_term":
            earlier = [a for a in agreements if a.ends_on < month]
            agreement = earlier[-1] if earlier else current
        base = Decimal(rng.randint(2_000_000, 23_000_000)) / 100
        rate = agreement.rate_percent + (Decimal(rng.choice([50, 100, 150])) / 100 if story == "overcharged" else 0)
        label = "CAD" if self.account.currency == "USD" and rng.random() < CAD_LABEL_SHARE else self.account.currency
        invoice = CoopInvoice(
            invoice_id="",
            agreement=agreement,
            on=month,
            rate_percent=rate,
            base=base,
            amount=(base * rate / 100).quantize(CENT),
            currency_label=label,
        )
        if rng.random() < 0.1:
            return [invoice, CoopInvoice(**{**invoice.__dict__, "duplicate_of": invoice})]
        return [invoice]


def messy_po(number: str, rng) -> str:
    """A PO number as Amazon's chargeback rows write it: `po# 1a2b3c4d`, ` 1A2B3C4D `, `PO 1A2B3C4D`, `#1A2B3C4D`."""
    return rng.choice([f"po# {number.lower()}", f" {number} ", f"PO {number}", f"#{number}"])


def _chargeback_texts(scenario: str) -> tuple[str, str, str]:
    return {
        "asn_missing": ("ASN Accuracy", "Missing ASN", "No ASN found for the received shipment"),
        "asn_late": (
            "ASN Accuracy",
            "Late ASN",
            "ASN not received before the shipment arrived at the fulfillment center",
        ),
        "asn_units": ("ASN Accuracy", "Unit count mismatch", "ASN unit quantity does not match units received"),
        "asn_ok": ("ASN Accuracy", "Unit count mismatch", "ASN unit quantity does not match units received"),
        "ontime_in": ("PO On-Time Accuracy", "Not on time", "Delivery outside the purchase order delivery window"),
        "ontime_out": ("PO On-Time Accuracy", "Not on time", "Delivery outside the purchase order delivery window"),
        "overage_yes": ("Overage PO Units", "Overage", "Units received above the confirmed quantity"),
        "overage_no": ("Overage PO Units", "Overage", "Units received above the confirmed quantity"),
        "label_no_cartons": (
            "No Carton Content Label",
            "Missing carton content label",
            "Cartons received without a scannable carton content label",
        ),
        "label_cartons": (
            "No Carton Content Label",
            "Missing carton content label",
            "Cartons received without a scannable carton content label",
        ),
        "sscc_missing": (
            "Carton Content Accuracy",
            "Carton contents differ from ASN",
            "Carton contents do not match ASN carton data",
        ),
        "sscc_present": (
            "Carton Content Accuracy",
            "Carton contents differ from ASN",
            "Carton contents do not match ASN carton data",
        ),
        "prep": ("Prep - Bagging", "Bagging", "Units required bagging (suffocation warning missing)"),
    }[scenario]


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def _months(start: date, end: date) -> list[date]:
    months, month = [], _month_end(start)
    while month <= end:
        months.append(month)
        month = _month_end(month + timedelta(days=1))
    return months
