"""Co-op deductions, returns and provisions: checked against the agreement or the remittance.

Co-op: the charge must fall inside the agreement's period, outside its waived periods, on the
account's own vendor code, and not above a flat fee. A percentage agreement's base (net receipts
for the period) comes from Amazon's backup report, which we do not sync: that check stays with a
person. Returns and provisions are checked only by the cross-family checks (duplicates, reversals).
"""

import re
from decimal import Decimal

from django.utils.translation import gettext_noop

from acorn_portal.money import quantize
from refunds.choices import CheckStatus, CoopBase
from refunds.services.matching.bundle import Bundle, Finding


def find_agreement(bundle: Bundle, agreements):
    """The agreement the deduction names (its id in the invoice number or text), else the one in force."""
    cb = bundle.chargeback
    if cb.coop_agreement_id:
        named = [a for a in agreements if a.agreement_id.strip().upper() == cb.coop_agreement_id.strip().upper()]
        return named[0] if named else None
    text = " ".join([cb.invoice_number, cb.sub_type, cb.description, cb.amazon_id]).upper()
    named = [a for a in agreements if a.agreement_id.upper() in text]
    if named:
        return named[0]
    in_force = [a for a in agreements if a.covers(cb.issue_date)]
    return in_force[0] if len(in_force) == 1 else None


def match_coop(bundle: Bundle, agreements) -> Finding:
    finding = Finding(confidence=Decimal("0.85"))
    cb = bundle.chargeback
    agreement = find_agreement(bundle, agreements)
    if agreement is None:
        finding.missing_documents.append(gettext_noop("the co-op agreement"))  # stored English; pages translate
        finding.add(
            "coop.agreement", CheckStatus.MISSING, gettext_noop("No co-op agreement on file matches this deduction.")
        )
        finding.decided = False
        return finding
    finding.evidence.add("coop_agreement")
    finding.add(
        "coop.agreement",
        CheckStatus.INFO,
        gettext_noop("Agreement %(agreement_id)s with vendor code %(vendor_code)s, from %(starts_on)s to %(ended)s."),
        agreement_id=agreement.agreement_id,
        vendor_code=agreement.vendor_code,
        starts_on=agreement.starts_on,
        ended=agreement.ends_on or "open-ended",
    )
    problem = _agreement_problem(bundle, agreement)
    if problem:
        finding.disputable = cb.amount
        finding.add(
            "coop.conclusion",
            CheckStatus.SUPPORTS_DISPUTE,
            gettext_noop("→ %(problem)s: the whole charge is disputable."),
            problem=problem,
        )
        return finding
    if agreement.base == CoopBase.FLAT_FEE:
        excess = max(Decimal(0), cb.amount - agreement.flat_amount)
        finding.disputable = excess
        status = CheckStatus.SUPPORTS_DISPUTE if excess else CheckStatus.SUPPORTS_AMAZON
        finding.add(
            "coop.conclusion",
            status,
            gettext_noop("→ flat fee %(flat_amount)s, charged %(amount)s: %(excess)s disputable."),
            flat_amount=f"{agreement.flat_amount:.2f}",
            amount=f"{cb.amount:.2f}",
            excess=f"{excess:.2f}",
        )
        return finding
    charged = _charged_rate(cb)
    if charged is None or agreement.rate_percent is None:
        # Without the base Amazon charged on, the charge cannot be checked: never accept it blind.
        finding.add(
            "coop.rate",
            CheckStatus.MISSING,
            gettext_noop(
                "Agreement rate %(agreement)s, but the base Amazon charged on is unknown: compare the charge "
                "with Amazon's co-op backup report."
            ),
            agreement=_rate(agreement),
        )
        finding.decided = False
        finding.confidence = Decimal("0.60")
        return finding
    return _check_rate(finding, cb, agreement, *charged)


# Amazon's co-op invoice text states what it charged, e.g. "3.5% of 12,400.00".
_RATE_TEXT = re.compile(r"(?P<rate>\d+(?:\.\d+)?)\s*%\s*(?:of|on|x)\s*(?P<base>[\d,]+(?:\.\d+)?)", re.IGNORECASE)


def _rate(agreement) -> str:
    return f"{agreement.rate_percent.normalize()}%" if agreement.rate_percent is not None else "unknown"


def _charged_rate(cb):
    """(rate, base) Amazon's co-op invoice states: its Rate Percent and Base Amount columns, else its text."""
    if cb.coop_base_amount is not None:
        return cb.coop_rate_percent, cb.coop_base_amount
    match = _RATE_TEXT.search(f"{cb.sub_type} {cb.description}")
    if not match:
        return None
    return Decimal(match["rate"]), Decimal(match["base"].replace(",", ""))


def _check_rate(finding: Finding, cb, agreement, rate: Decimal, base: Decimal) -> Finding:
    # The row's rate is Amazon's claim; what is owed is the agreement's rate on the base.
    fair = quantize(base * agreement.rate_percent / 100, cb.currency)
    excess = max(Decimal(0), cb.amount - fair)
    said = f"{rate.normalize()}% " if rate is not None else ""
    finding.add(
        "coop.rate",
        CheckStatus.SUPPORTS_DISPUTE if excess else CheckStatus.INFO,
        gettext_noop(
            "Charged %(amount)s (%(said)son a base of %(base)s); agreement %(agreement_id)s at %(agreement)s: "
            "%(base2)s × %(agreement2)s = %(fair)s is due."
        ),
        amount=f"{cb.amount:,.2f}",
        said=said,
        base=f"{base:,.2f}",
        agreement_id=agreement.agreement_id,
        agreement=_rate(agreement),
        base2=f"{base:,.2f}",
        agreement2=_rate(agreement),
        fair=f"{fair:,.2f}",
    )
    finding.disputable = excess
    status = CheckStatus.SUPPORTS_DISPUTE if finding.disputable else CheckStatus.SUPPORTS_AMAZON
    finding.add(
        "coop.conclusion",
        status,
        gettext_noop("→ %(disputable)s of the %(amount)s charged is disputable."),
        disputable=f"{finding.disputable:,.2f}",
        amount=f"{cb.amount:,.2f}",
    )
    return finding


def _agreement_problem(bundle: Bundle, agreement) -> str:
    cb, account = bundle.chargeback, bundle.account
    if agreement.vendor_code.upper() not in account.vendor_code_list:
        return f"the agreement is with vendor code {agreement.vendor_code}, not one of this account's"
    if not agreement.covers(cb.issue_date):
        return f"charged on {cb.issue_date}, outside the agreement's period"
    if agreement.is_waived_on(cb.issue_date):
        return f"charged on {cb.issue_date}, inside a waived period of the agreement"
    return ""


def match_without_documents(bundle: Bundle, family_label: str) -> Finding:
    """Returns and provisions: nothing to reconcile beyond the remittance (checked for every family)."""
    finding = Finding(confidence=Decimal("0.60"))
    finding.add(
        "other.nothing_to_match",
        CheckStatus.INFO,
        gettext_noop("%(family_label)s: no document contradicts the deduction."),
        family_label=family_label,
    )
    return finding
