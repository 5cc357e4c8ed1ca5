"""Workflow lookups: dispute rounds (from the governing policy rule) and the evidence files a dispute needs.

Each answer lives in exactly one function so that the versioned policy rules can replace
the tables below without touching the workflow. Until then the defaults come from the research
report (docs/AMAZON.md, § families and § windows).
"""

from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from refunds.choices import DeductionFamily, EvidenceKind

# How many times a deduction may be disputed with Amazon (the first dispute counts as round 1).
# None means "no limit within the dispute window" (co-op: any number of disputes within 2 years).
DEFAULT_DISPUTE_ROUNDS: dict[str, int | None] = {
    DeductionFamily.OPERATIONAL: 2,  # "max 2 disputes" (RESEARCH §0.2)
    DeductionFamily.SHORTAGE: 2,  # one dispute + one re-dispute, then settlement (since ~2024)
    DeductionFamily.PRICE: 1,  # PPV disputes cannot be re-opened
    DeductionFamily.COOP: None,
    DeductionFamily.RETURN: 1,
    DeductionFamily.PROVISION: 1,
}


def max_dispute_rounds(chargeback) -> int | None:
    """The number of disputes policy allows for this deduction; None means unlimited in the window.

    The policy rule that governed the deduction's last evaluation decides; the family default stands
    in until matching has run.
    """
    assessment = getattr(chargeback, "assessment", None) if chargeback.pk else None
    rule = assessment.rule if assessment is not None else None
    if rule is not None:
        return rule.max_dispute_rounds
    return DEFAULT_DISPUTE_ROUNDS.get(chargeback.family, 1)


@dataclass(frozen=True)
class EvidenceRequirement:
    """One piece of evidence a dispute needs; any of `kinds` satisfies it."""

    kinds: frozenset[str]
    why: str

    @property
    def label(self) -> str:
        return gettext(" or ").join(str(EvidenceKind(kind).label) for kind in sorted(self.kinds))


def _needs(*kinds: str, why: str) -> EvidenceRequirement:
    return EvidenceRequirement(frozenset(kinds), why)


_POD_OR_BOL = _needs(
    EvidenceKind.PROOF_OF_DELIVERY,
    EvidenceKind.BILL_OF_LADING,
    why=_("Signed proof of delivery (prepaid) or carrier-signed bill of lading (collect), showing PO and ship-to."),
)
_ANY = _needs(*EvidenceKind.values, why=_("At least one document supporting the dispute."))

# Operational chargeback types (type codes as sync writes them) → what Amazon asks for (RESEARCH §1.2).
_BY_TYPE: dict[str, tuple[EvidenceRequirement, ...]] = {
    "po_on_time_accuracy": (
        _needs(
            EvidenceKind.PROOF_OF_DELIVERY,
            EvidenceKind.CARRIER_TRACKING,
            EvidenceKind.OTHER,
            why=_("POD with tracking number, or the Carrier Central appointment / routing request in the window."),
        ),
    ),
    "asn_accuracy": (_needs(EvidenceKind.ASN_COPY, why=_("The ASN as transmitted, with its timestamp.")),),
    "no_carton_content_label": (_needs(EvidenceKind.PHOTOS, why=_("Photos of the compliant carton label.")),),
    "carton_content_accuracy": (_needs(EvidenceKind.ASN_COPY, why=_("ASN carton-level contents.")),),
    "non_compliant_barcode": (_needs(EvidenceKind.PHOTOS, why=_("Photos of the scannable barcode.")),),
    "no_po_label_on_carton": (_needs(EvidenceKind.PHOTOS, why=_("Photos of the carton with its PO label.")),),
    "overage_po_units": (_needs(EvidenceKind.OTHER, why=_("Screenshot of the confirmed quantity on the PO.")),),
    "unconfirmed_po_units": (_needs(EvidenceKind.OTHER, why=_("Screenshot showing the ASIN confirmed on the PO.")),),
    "no_show": (_needs(EvidenceKind.PROOF_OF_DELIVERY, why=_("Carrier POD date-stamped by Amazon with the ISA.")),),
    "paper_invoice": (_needs(EvidenceKind.INVOICE_COPY, why=_("The electronic invoice submission (EDI file).")),),
}

_BY_FAMILY: dict[str, tuple[EvidenceRequirement, ...]] = {
    DeductionFamily.OPERATIONAL: (_ANY,),
    DeductionFamily.SHORTAGE: (_POD_OR_BOL,),
    DeductionFamily.PRICE: (),  # Amazon compares PO cost and invoice cost itself
    DeductionFamily.COOP: (
        _needs(EvidenceKind.INVOICE_COPY, EvidenceKind.OTHER, why=_("Agreement terms or the co-op backup report.")),
    ),
    DeductionFamily.RETURN: (_ANY,),
    DeductionFamily.PROVISION: (),
}


def required_evidence(chargeback) -> tuple[EvidenceRequirement, ...]:
    """The evidence a dispute of this deduction needs, by its type first and its family second."""
    if chargeback.deduction_type in _BY_TYPE:
        return _BY_TYPE[chargeback.deduction_type]
    return _BY_FAMILY.get(chargeback.family, (_ANY,))


def missing_evidence(chargeback, present_kinds) -> list[EvidenceRequirement]:
    """The requirements none of the present evidence kinds satisfies."""
    present = set(present_kinds)
    return [req for req in required_evidence(chargeback) if not (req.kinds & present)]
