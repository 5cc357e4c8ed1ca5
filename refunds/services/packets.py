"""Dispute packets: a ZIP with the dispute in a PDF and the evidence, named as Vendor Central expects.

The PDF argues the case in the order of Vendor Central's dispute form: the deduction and the amount
and units requested, what Amazon claims, what our documents show (each check in words), the
request, and the list of attachments. Its text stays English whatever the portal's language.

Every packet built is kept (`DisputePacket`, with its SHA-256) so an auditor can see exactly what
went to Amazon for each round.
"""

import hashlib
import re
import tempfile
import zipfile
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from fpdf import FPDF

from acorn_portal import clock
from acorn_portal.money import format_money
from acorn_portal.pdf_fonts import PdfText
from acorn_portal.services.events import emit_event
from acorn_portal.tenancy import perm_in_org
from refunds.choices import ChargebackState, CheckStatus, EvidenceKind
from refunds.models import Chargeback, DisputePacket, Evidence
from refunds.services.related import RelatedDocuments, related_documents

# Short codes in packet file names, e.g. "1234567890_POD_1.pdf".
KIND_CODES = {
    EvidenceKind.PROOF_OF_DELIVERY: "POD",
    EvidenceKind.BILL_OF_LADING: "BOL",
    EvidenceKind.CARRIER_TRACKING: "TRACKING",
    EvidenceKind.ASN_COPY: "ASN",
    EvidenceKind.PHOTOS: "PHOTO",
    EvidenceKind.INVOICE_COPY: "INVOICE",
    EvidenceKind.OTHER: "OTHER",
}
PACKET_STATES = (
    ChargebackState.IN_REVIEW,
    ChargebackState.PENDING_APPROVAL,
    ChargebackState.APPROVED,
    ChargebackState.DISPUTED,
    ChargebackState.DENIED,
    ChargebackState.SETTLEMENT,
)


def safe_id(value: str) -> str:
    """An Amazon id made safe for a file name (ids may carry slashes or spaces)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", value).strip("-.") or "case"


def entry_names(case: Chargeback, evidence: list[Evidence]) -> list[tuple[Evidence, str]]:
    """`<amazon_id>_<KIND>_<n>.<ext>`, numbered per kind in upload order."""
    counts: Counter = Counter()
    names = []
    for item in evidence:
        code = KIND_CODES[item.kind]
        counts[code] += 1
        names.append((item, f"{safe_id(case.amazon_id)}_{code}_{counts[code]}.{item.extension}"))
    return names


def _money(amount, currency: str) -> str:
    return format_money(amount, currency)


def _assessment(case: Chargeback):
    try:
        return case.assessment
    except Chargeback.assessment.RelatedObjectDoesNotExist:
        return None


def requested(case: Chargeback) -> tuple[Decimal, int | None]:
    """The amount and units asked back: the disputable part the verdict found, else the whole deduction."""
    assessment = _assessment(case)
    amount = case.amount
    if assessment is not None and 0 < assessment.expected_recovery <= case.amount:
        amount = assessment.expected_recovery
    units = case.quantity
    if units and amount != case.amount and case.amount:
        units = int((Decimal(units) * amount / case.amount).to_integral_value(rounding=ROUND_HALF_UP))
    return amount, units


def _what_amazon_claims(case: Chargeback) -> list[tuple[str, str]]:
    kind = " ".join(part for part in (case.deduction_type, case.sub_type) if part).replace("_", " ")
    claim = f"Amazon deducted {_money(case.amount, case.currency)}"
    claim += f" for {case.quantity} units" if case.quantity else ""
    claim += f" as {case.get_family_display().lower()} ({kind}) on {case.issue_date:%Y-%m-%d}."
    rows = [("Claim", claim)]
    if case.description:
        rows.append(("Amazon's reason", case.description))
    return rows


def _what_documents_show(case: Chargeback, docs: RelatedDocuments) -> list[tuple[str, str]]:
    """Each check in words, then the documents matched: the argument, not just the facts."""
    assessment = _assessment(case)
    labels = dict(CheckStatus.choices)
    rows = []
    if assessment is not None:
        rows.append(("Finding", assessment.summary))
        rows += [(str(labels.get(check.get("status"), "Check")), check.get("text", "")) for check in assessment.checks]
    rows += [
        ("Purchase order", f"{po.number}, ordered {po.ordered_at:%Y-%m-%d}, {po.state}") for po in docs.purchase_orders
    ]
    rows += [
        ("Shipment (ASN)", f"{s.shipment_id} ARN {s.amazon_reference_number or '-'} BOL {s.bill_of_lading or '-'}")
        for s in docs.shipments
    ]
    rows += [
        ("Invoice", f"{i.number} of {i.invoice_date:%Y-%m-%d}: {_money(i.amount, i.currency)}") for i in docs.invoices
    ]
    return rows or [("Documents", "See the attached evidence.")]


def packet_sections(
    case: Chargeback, docs: RelatedDocuments, files: list[str]
) -> list[tuple[str, list[tuple[str, str]]]]:
    """The packet's text in the order of Vendor Central's dispute form. English: it goes to Amazon."""
    amount, units = requested(case)
    request = f"Please reverse {_money(amount, case.currency)}"
    request += f" ({units} units)" if units else ""
    request += f" of deduction {case.amazon_id}."
    if amount != case.amount:
        request += f" The remaining {_money(case.amount - amount, case.currency)} is not disputed."
    return [
        (
            "Dispute",
            [
                ("Deduction", f"{case.get_family_display()} {case.amazon_id}"),
                ("Vendor account", f"{case.account.name} ({case.account.marketplace})"),
                ("PO number", case.po_number or "-"),
                ("Invoice number", case.invoice_number or "-"),
                ("ASIN", case.asin or "-"),
                ("Amount", _money(case.amount, case.currency) + (f", {case.quantity} units" if case.quantity else "")),
                ("Amount requested", _money(amount, case.currency) + (f", {units} units" if units else "")),
                ("Dispute round", f"{case.dispute_round + 1} of {case.max_dispute_rounds() or 'unlimited'}"),
                ("Dispute deadline", f"{case.due_on:%Y-%m-%d}" if case.due_on else "not computed"),
                *([("Earlier Amazon case", case.filed_case_id)] if case.filed_case_id else []),
            ],
        ),
        ("What Amazon claims", _what_amazon_claims(case)),
        ("What our documents show", _what_documents_show(case, docs)),
        ("Our request", [("Request", request)]),
        ("Attachments", [("File", name) for name in files] or [("File", "none")]),
    ]


def summary_lines(case: Chargeback, docs: RelatedDocuments, files: list[str]) -> list[tuple[str, str]]:
    """The packet's rows without their section headings."""
    return [row for _, rows in packet_sections(case, docs, files) for row in rows]


def render_summary_pdf(case: Chargeback, docs: RelatedDocuments, files: list[str]) -> bytes:
    """The dispute as a Vendor Central agent reads it: the request, the claim, our evidence, the files."""
    with translation.override("en"):  # labels from choices may be translated in the portal; Amazon reads English
        sections = packet_sections(case, docs, files)
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    out = PdfText(pdf)
    out.font(15, bold=True)
    pdf.cell(0, 10, out.text(f"Dispute of Amazon deduction {case.amazon_id}"), new_x="LMARGIN", new_y="NEXT")
    out.font(9)
    pdf.cell(0, 6, out.text(f"Prepared {clock.server_today():%Y-%m-%d} with ACORN"), new_x="LMARGIN", new_y="NEXT")
    for heading, rows in sections:
        pdf.ln(2)
        out.font(11, bold=True)
        pdf.cell(0, 7, out.text(heading), new_x="LMARGIN", new_y="NEXT")
        for label, text in rows:
            out.font(9, bold=True)
            pdf.cell(42, 6, out.text(label))
            out.font(9)
            pdf.multi_cell(0, 6, out.text(text)[:1500], new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def build_packet(*, chargeback: Chargeback, actor) -> DisputePacket:
    """Build, store and return the dispute packet for the case's current round (in English: it goes to Amazon)."""
    with translation.override("en"):
        return _build_packet(chargeback=chargeback, actor=actor)


def _build_packet(*, chargeback: Chargeback, actor) -> DisputePacket:
    if not (
        perm_in_org(actor, "refunds.prepare_dispute", chargeback.organization_id)
        or perm_in_org(actor, "refunds.file_dispute", chargeback.organization_id)
    ):
        raise PermissionDenied(_("You may not build dispute packets."))
    if chargeback.state not in PACKET_STATES:
        raise ValidationError(_("No packet for a case that is %(state)s.") % {"state": chargeback.get_state_display()})
    evidence = list(chargeback.evidence.current().order_by("uploaded_at", "id"))
    names = entry_names(chargeback, evidence)
    base = safe_id(chargeback.amazon_id)
    docs = related_documents(chargeback)
    with tempfile.TemporaryFile() as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{base}_SUMMARY.pdf", render_summary_pdf(chargeback, docs, [n for _doc, n in names]))
            for item, name in names:
                with item.file.open("rb") as source, archive.open(name, "w") as target:
                    for chunk in iter(lambda src=source: src.read(1024 * 1024), b""):
                        target.write(chunk)
        spool.seek(0)
        digest = hashlib.sha256()
        for chunk in iter(lambda: spool.read(1024 * 1024), b""):
            digest.update(chunk)
        size = spool.tell()
        spool.seek(0)
        round_number = chargeback.dispute_round + (0 if chargeback.state == ChargebackState.DISPUTED else 1)
        packet = DisputePacket(
            chargeback=chargeback,
            round=round_number,
            filename=f"{base}_dispute_round{round_number}.zip",
            size=size,
            sha256=digest.hexdigest(),
            evidence_count=len(evidence),
            built_by=actor,
        )
        packet.file.save("ignored", File(spool), save=False)
    try:
        with transaction.atomic():
            packet.save()
            emit_event(
                "chargeback.packet_built",
                organization=chargeback.account.organization,
                obj=chargeback,
                payload={"amazon_id": chargeback.amazon_id, "packet": str(packet.uuid), "sha256": packet.sha256},
            )
    except Exception:
        packet.file.delete(save=False)
        raise
    return packet
