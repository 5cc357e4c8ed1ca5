"""Price claims (PPV): was the invoice's unit cost really above the PO's?

A price claim (`<invoice>PC`) names only the invoice: every billed line is compared with its own
PO's cost for the ASIN. The fair claim is `Σ max(0, invoice cost − PO cost) × invoiced units`. PO costs
are quoted per ordered unit, so a PO ordered in cases is converted to eaches first (the classic
case-pack mismatch). Differences under half a minor unit per unit are rounding, not a price error.
Whatever Amazon deducted beyond the fair claim is disputable.
"""

from decimal import Decimal

from acorn_portal.money import CURRENCY_DECIMALS
from refunds.choices import CheckStatus, QuantityUnit
from refunds.services.matching.bundle import Bundle, Finding, units


def _half_minor_unit(currency: str) -> Decimal:
    return Decimal(5).scaleb(-(CURRENCY_DECIMALS.get(currency, 2) + 1))


def match_price(bundle: Bundle) -> Finding:
    """Each billed line of the invoice against its own PO's cost for the same ASIN."""
    finding = Finding(confidence=Decimal("0.90"))
    cb = bundle.chargeback
    if bundle.invoice is None:
        finding.missing_documents.append(f"invoice {cb.invoice_number or '—'}")
        finding.decided = False
        return finding
    lines = bundle.claim_lines
    if not lines:
        finding.add("price.no_line", CheckStatus.MISSING, f"No invoice line for {cb.asin or 'the item'} to compare.")
        finding.decided = False
        return finding
    fair = Decimal(0)
    for line in lines:
        po_number = bundle.po_of_line(line)
        view = bundle.po_views.get(po_number)
        items = [item for item in (view[1] if view else ()) if item.asin == line.asin]
        if view is None or view[0] is None or not items:
            what = f"PO {po_number or '—'}" if view is None or view[0] is None else f"a line for {line.asin} on PO"
            finding.missing_documents.append(f"{what} of invoice {bundle.invoice.number}")
            finding.add("price.no_line", CheckStatus.MISSING, f"No {what} to compare invoice line {line.line_number}.")
            finding.decided = False
            return finding
        po_cost = _po_cost(items[0], line, finding)
        fair += _line_variance(line, po_cost, finding, bundle.invoice.number, view[0].number)
    fair = min(fair, cb.amount)
    finding.disputable = max(Decimal(0), cb.amount - fair)
    # Within one minor unit of the fair claim is Amazon's own rounding of the total: not worth a dispute.
    if finding.disputable <= 2 * _half_minor_unit(cb.currency):
        finding.disputable = Decimal(0)
        finding.add("price.conclusion", CheckStatus.SUPPORTS_AMAZON,
                    f"→ the claim of {cb.amount:,.2f} matches the price difference: valid.")  # fmt: skip
    else:
        finding.add("price.conclusion", CheckStatus.SUPPORTS_DISPUTE,
                    f"→ valid part {fair:,.2f}; {finding.disputable:,.2f} of the {cb.amount:,.2f} claimed "
                    "is disputable.")  # fmt: skip
    return finding


def _po_cost(item, line, finding: Finding) -> Decimal:
    """The PO cost in the invoice line's unit of measure.

    Invoices carry no unit of their own here: a line is priced per case when the PO ordered cases,
    unless its cost is plainly per each (closer to the PO's cost divided by the case size) — the
    case-pack mismatch behind many price claims.
    """
    if item.ordered_unit != QuantityUnit.CASES or (item.unit_size or 1) <= 1:
        finding.add("price.po_cost", CheckStatus.INFO, f"PO cost {item.net_cost:.2f} {item.currency} per unit.")
        return item.net_cost
    each = item.net_cost / item.unit_size
    if abs(line.unit_cost - each) < abs(line.unit_cost - item.net_cost):
        finding.add(
            "price.case_pack",
            CheckStatus.INFO,
            f"PO cost {item.net_cost:.2f} {item.currency} is per case of {item.unit_size}; the invoice prices "
            f"eaches: {each:.4f} per unit.",
        )
        return each
    finding.add(
        "price.po_cost", CheckStatus.INFO, f"PO cost {item.net_cost:.2f} {item.currency} per case of {item.unit_size}."
    )
    return item.net_cost


def _line_variance(line, po_each: Decimal, finding: Finding, invoice_number: str, po_number: str) -> Decimal:
    difference = line.unit_cost - po_each
    half = _half_minor_unit(line.currency)
    text = (
        f"Invoice {invoice_number} line {line.line_number} ({line.asin}): {units(line.quantity)} at "
        f"{line.unit_cost:,.2f}, PO {po_number} cost {po_each:,.2f}"
    )
    if abs(difference) <= half:
        note = "the same as the PO cost" if difference == 0 else f"a rounding difference of {difference:.4f}"
        finding.add("price.line", CheckStatus.SUPPORTS_DISPUTE, f"{text}, {note}.")
        return Decimal(0)
    if difference < 0:
        finding.add("price.line", CheckStatus.SUPPORTS_DISPUTE, f"{text}, below the PO cost: nothing to claim.")
        return Decimal(0)
    variance = difference * line.quantity
    finding.add(
        "price.line",
        CheckStatus.SUPPORTS_AMAZON,
        f"{text}, {difference:.4f} above the PO cost: {variance:.2f} is a fair claim.",
    )
    return variance
