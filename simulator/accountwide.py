"""Deductions that belong to the account rather than to one purchase order: co-op, provisions, strays.

Strays are deductions pointing at a PO or invoice that is not in the data (older than the sync window,
or another vendor code's): real life has them and a matcher must say "documents missing".
"""

from __future__ import annotations

from decimal import Decimal

from acorn_portal.money import CURRENCY_DECIMALS, quantize
from refunds.choices import DeductionFamily
from refunds.services.records import ChargebackRecord
from simulator.catalog import AccountSpec, Product
from simulator.deductions import Rendered
from simulator.ids import ALNUM, Code
from simulator.orders import CHARGEBACK_LAG, Clock, happened
from simulator.remittances import Entry
from simulator.truth import TruthRecord

COOP_ACTIVITIES = [("Marketing & Promotion", (2, 5)), ("Freight Allowance", (1, 3)), ("Damage Allowance", (1, 2))]
DUPLICATE_COOP_SHARE = 0.3
PROVISION_REVERSAL_LAG = (30, 60)
STRAY_INDEX_OFFSET = 10_000_000  # far beyond any real order or invoice index, so strays never collide


class AccountWideWriter:
    def __init__(self, *, seed: int, account: AccountSpec, clock: Clock, next_id, po_code, invoice_code):
        self.account = account
        self.clock = clock
        self.next_id = next_id
        self.po_code = po_code
        self.invoice_code = invoice_code
        agreements = Code(seed, account.key, "agreement", alphabet=ALNUM, width=4)
        self.agreements = [agreements(i) for i in range(len(COOP_ACTIVITIES))]
        self.coop_numbers = Code(seed, account.key, "coop", width=8)
        self.coop_count = 0
        self.stray_count = 0
        self.last_coop: tuple[ChargebackRecord, int] | None = None  # and the day it was issued

    def _money(self, amount: Decimal) -> Decimal:
        minor_unit = Decimal(1).scaleb(-CURRENCY_DECIMALS[self.account.currency])
        return max(quantize(amount, self.account.currency), minor_unit)

    def _truth(self, amazon_id, disputable, recovery, reason, note) -> TruthRecord:
        return TruthRecord(
            amazon_id=amazon_id,
            is_disputable=disputable,
            expected_recovery=recovery if disputable else Decimal(0),
            currency=self.account.currency,
            reason=reason,
            note=note,
        )

    def coop(self, rng, day: int, receipts: Decimal) -> Rendered:
        """A co-op accrual on recent receipts; sometimes Amazon charges the same period twice."""
        index = rng.randrange(len(COOP_ACTIVITIES))
        activity, (low, high) = COOP_ACTIVITIES[index]
        rate = rng.randint(low, high)
        duplicate = self.last_coop is not None and rng.random() < DUPLICATE_COOP_SHARE
        agreement = self.agreements[index]
        amazon_id = f"{agreement}-{self.coop_numbers(self.coop_count)}"
        self.coop_count += 1
        if duplicate:
            previous, previous_day = self.last_coop
            day = max(day, previous_day + 7)  # the second charge comes after the first
            amount, sub_type, description = previous.amount, previous.sub_type, previous.description
            truth = self._truth(
                amazon_id,
                True,
                amount,
                "coop_duplicate_charge",
                f"Same agreement, period and amount as co-op invoice {previous.amazon_id}.",
            )
        else:
            amount, sub_type = self._money(receipts * rate / 100), activity
            period = f"{self.clock.date(day - 30)} to {self.clock.date(day - 1)}"
            description = f"Agreement {agreement} {activity}: {rate}% of receipts {period}"
            truth = self._truth(amazon_id, False, amount, "coop_per_agreement", f"{rate}% as the agreement says.")
        chargeback = ChargebackRecord(
            amazon_id=amazon_id,
            family=DeductionFamily.COOP,
            deduction_type="coop",
            sub_type=sub_type,
            amount=amount,
            currency=self.account.currency,
            issue_date=self.clock.date(day),
            amazon_status="Invoiced",
            description=description,
        )
        if not duplicate:
            self.last_coop = (chargeback, day)
        return Rendered(chargeback, truth, Entry(day + 3, amazon_id, day, -amount, "Co-op"))

    def provision(self, rng, day: int, receipts: Decimal) -> tuple[Rendered, Entry | None]:
        """A holdback Amazon reverses itself a month or two later (`…R` line); nothing to dispute."""
        amount = self._money(receipts * rng.randint(5, 20) / 1000)
        amazon_id = f"{self.next_id()}-PROVISION FOR RECEIVABLES"
        reversal_day = day + rng.randint(*PROVISION_REVERSAL_LAG)
        reversed_now = happened(reversal_day)
        chargeback = ChargebackRecord(
            amazon_id=amazon_id,
            family=DeductionFamily.PROVISION,
            deduction_type="provision_for_receivables",
            amount=amount,
            currency=self.account.currency,
            issue_date=self.clock.date(day),
            amazon_status="Reversed" if reversed_now else "Held",
            description="Provision for receivables",
        )
        reason = "provision_reversed" if reversed_now else "provision_awaiting_reversal"
        note = "Amazon reversed the holdback in a later payment." if reversed_now else "Amazon will reverse it."
        holdback = Entry(day, amazon_id, day, -amount, "Provision for receivables")
        rendered = Rendered(chargeback, self._truth(amazon_id, False, amount, reason, note), holdback)
        reversal = Entry(reversal_day, amazon_id + "R", reversal_day, amount, "Provision reversal")
        return rendered, reversal if reversed_now else None

    def stray(self, rng, day: int, product: Product) -> Rendered:
        """A shortage claim or ASN chargeback on a PO and invoice that are not in the data."""
        index = STRAY_INDEX_OFFSET + self.stray_count
        self.stray_count += 1
        po_number, invoice_number = self.po_code(index), self.invoice_code(index)
        units = rng.randint(1, 12)
        if rng.random() < 0.6:
            amazon_id = f"{invoice_number}SC-{product.asin}"
            family, code, sub_type, status = DeductionFamily.SHORTAGE, "shortage", "Purchase quantity variance", "Open"
            amount, document = self._money(product.each_cost * units), f"{invoice_number}SC"
        else:
            amazon_id = self.next_id()
            family, code, sub_type, status = DeductionFamily.OPERATIONAL, "asn_accuracy", "Late ASN", "Charged"
            amount, document = self._money(product.each_cost * units * 4 / 100), f"{amazon_id}VCBSINV"
            invoice_number = ""
        chargeback = ChargebackRecord(
            amazon_id=amazon_id,
            family=family,
            deduction_type=code,
            sub_type=sub_type,
            amount=amount,
            currency=self.account.currency,
            quantity=units,
            issue_date=self.clock.date(day),
            po_number=po_number,
            asin=product.asin,
            invoice_number=invoice_number,
            amazon_status=status,
            description=f"{sub_type}: PO {po_number}",
        )
        note = f"PO {po_number} is not in the data: no documents to dispute with."
        truth = self._truth(amazon_id, False, Decimal(0), "documents_missing", note)
        return Rendered(chargeback, truth, Entry(day + CHARGEBACK_LAG[0], document, day, -amount, sub_type))
