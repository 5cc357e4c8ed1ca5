"""Price claims (PPV): was the invoice's unit cost really above the PO's?

A price claim (`<invoice>PC`) names only the invoice: every billed line is compared with its own
PO's cost for the ASIN. The fair claim is `Σ max(0, invoice cost − PO cost) × invoiced units`. PO costs
are quoted per ordered unit, so a PO ordered in cases is converted to eaches first (the classic
case-pack mismatch). Differences under half a minor unit per unit are rounding, not a price error.
Whatever Amazon deducted beyond the fair claim is disputable.
"""

from decimal import Decimal

from django.utils.translation import gettext_noop

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
        finding.add(
            "price.no_line",
            CheckStatus.MISSING,
            gettext_noop("No invoice line for %(item)s to compare."),
            item=cb.asin or "the item",
        )
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
            finding.add(
                "price.no_line",
                CheckStatus.MISSING,
                gettext_noop("No %(what)s to compare invoice line %(line_number)s."),
                what=what,
                line_number=line.line_number,
            )
            finding.decided = False
            return finding
        po_cost = _po_cost(items[0], line, finding)
        fair += _line_variance(line, po_cost, finding, bundle.invoice.number, view[0].number)
    fair = min(fair, cb.amount)
    finding.disputable = max(Decimal(0), cb.amount - fair)
    # Within one minor unit of the fair claim is Amazon's own rounding of the total: not worth a dispute.
    if finding.disputable <= 2 * _half_minor_unit(cb.currency):
        finding.disputable = Decimal(0)
        finding.add(
            "price.conclusion",
            CheckStatus.SUPPORTS_AMAZON,
            gettext_noop("→ the claim of %(amount)s matches the price difference: valid."),
            amount=f"{cb.amount:,.2f}",
        )
    else:
        finding.add(
            "price.conclusion",
            CheckStatus.SUPPORTS_DISPUTE,
            gettext_noop("→ valid part %(fair)s; %(disputable)s of the %(amount)s claimed is disputable."),
            fair=f"{fair:,.2f}",
            disputable=f"{finding.disputable:,.2f}",
            amount=f"{cb.amount:,.2f}",
        )
    return finding


def _po_cost(item, line, finding: Finding) -> Decimal:
    """The PO cost in the invoice line's unit of measure.

    Invoices carry no unit of their own here: a line is priced per case when the PO ordered cases,
    unless its cost is plainly per each (closer to the PO's cost divided by the case size) — the
    case-pack mismatch behind many price claims.
    """
    if item.ordered_unit != QuantityUnit.CASES or (item.unit_size or 1) <= 1:
        finding.add(
            "price.po_cost",
            CheckStatus.INFO,
            gettext_noop("PO cost %(net_cost)s %(currency)s per unit."),
            net_cost=f"{item.net_cost:.2f}",
            currency=item.currency,
        )
        return item.net_cost
    each = item.net_cost / item.unit_size
    if abs(line.unit_cost - each) < abs(line.unit_cost - item.net_cost):
        finding.add(
            "price.case_pack",
            CheckStatus.INFO,
            gettext_noop(
                "PO cost %(net_cost)s %(currency)s is per case of %(unit_size)s; the invoice prices eaches: "
                "%(each)s per unit."
            ),
            net_cost=f"{item.net_cost:.2f}",
            currency=item.currency,
            unit_size=item.unit_size,
            each=f"{each:.4f}",
        )
        return each
    finding.add(
        "price.po_cost",
        CheckStatus.INFO,
        gettext_noop("PO cost %(net_cost)s %(currency)s per case of %(unit_size)s."),
        net_cost=f"{item.net_cost:.2f}",
        currency=item.currency,
        unit_size=item.unit_size,
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
        finding.add(
            "price.line",
            CheckStatus.SUPPORTS_DISPUTE,
            gettext_noop("%(text_value)s, %(note)s."),
            text_value=text,
            note=note,
        )
        return Decimal(0)
    if difference < 0:
        finding.add(
            "price.line",
            CheckStatus.SUPPORTS_DISPUTE,
            gettext_noop("%(text_value)s, below the PO cost: nothing to claim."),
            text_value=text,
        )
        return Decimal(0)
    variance = difference * line.quantity
    finding.add(
        "price.line",
        CheckStatus.SUPPORTS_AMAZON,
        gettext_noop("%(text_value)s, %(difference)s above the PO cost: %(variance)s is a fair claim."),
        text_value=text,
        difference=f"{difference:.4f}",
        variance=f"{variance:.2f}",
    )
    return variance
