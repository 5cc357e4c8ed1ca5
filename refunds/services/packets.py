"""Dispute packets: a ZIP with a one-page PDF summary and the evidence, named as Vendor Central expects.

Every packet built is kept (`DisputePacket`, with its SHA-256) so an auditor can see exactly what
went to Amazon for each round.
"""

import hashlib
import re
import tempfile
import zipfile
from collections import Counter

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from fpdf import FPDF

from acorn_portal import clock
from acorn_portal.money import Money, MoneyError
from acorn_portal.pdf_fonts import PdfText
from acorn_portal.services.events import emit_event
from acorn_portal.tenancy import perm_in_org
from refunds.choices import ChargebackState, EvidenceKind
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
    try:
        return str(Money(amount, currency))
    except MoneyError:
        return f"{amount} {currency}"


def summary_lines(case: Chargeback, docs: RelatedDocuments, files: list[str]) -> list[tuple[str, str]]:
    """The summary as (label, text) rows: the deduction, documents found, reasons, amounts, deadline."""
    kind = " ".join(part for part in (case.deduction_type, case.sub_type) if part)
    rows = [
        ("Deduction", f"{case.get_family_display()} {case.amazon_id} ({kind})"),
        ("Vendor account", f"{case.account.name} ({case.account.marketplace})"),
        ("Amount", _money(case.amount, case.currency) + (f", {case.quantity} units" if case.quantity else "")),
        ("Issued", f"{case.issue_date:%Y-%m-%d}"),
        ("Dispute deadline", f"{case.due_on:%Y-%m-%d}" if case.due_on else "not computed"),
        ("Dispute round", f"{case.dispute_round + 1} of {case.max_dispute_rounds() or 'unlimited'}"),
        ("PO number", case.po_number or "-"),
        ("Invoice number", case.invoice_number or "-"),
        ("ASIN", case.asin or "-"),
    ]
    if case.filed_case_id:
        rows.append(("Earlier Amazon case", case.filed_case_id))
    rows += [
        ("Matched PO", f"{po.number}, ordered {po.ordered_at:%Y-%m-%d}, {po.state}") for po in docs.purchase_orders
    ]
    rows += [
        ("Matched shipment", f"{s.shipment_id} ARN {s.amazon_reference_number or '-'} BOL {s.bill_of_lading or '-'}")
        for s in docs.shipments
    ]
    rows += [
        ("Matched invoice", f"{i.number} of {i.invoice_date:%Y-%m-%d}: {_money(i.amount, i.currency)}")
        for i in docs.invoices
    ]
    rows += [("Reason", case.description or "See the attached evidence.")]
    rows += [("Evidence", name) for name in files]
    return rows


def render_summary_pdf(case: Chargeback, docs: RelatedDocuments, files: list[str]) -> bytes:
    """A one-page PDF a Vendor Central agent can read in a minute, in English (names may be Chinese)."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    out = PdfText(pdf)
    out.font(15, bold=True)
    pdf.cell(0, 10, out.text(f"Dispute of Amazon deduction {case.amazon_id}"), new_x="LMARGIN", new_y="NEXT")
    out.font(9)
    pdf.cell(0, 6, out.text(f"Prepared {clock.server_today():%Y-%m-%d} with ACORN"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for label, text in summary_lines(case, docs, files)[:40]:  # one page: the rest is in the files
        out.font(9, bold=True)
        pdf.cell(40, 6, out.text(label))
        out.font(9)
        pdf.multi_cell(0, 6, out.text(text)[:400], new_x="LMARGIN", new_y="NEXT")
        if pdf.get_y() > 280:
            break
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
        raise ValidationError(f"No packet for a case that is {chargeback.get_state_display().lower()}.")
    evidence = list(chargeback.evidence.order_by("uploaded_at", "id"))
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
