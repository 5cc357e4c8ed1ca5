"""Helpers for workflow tests: deductions, evidence files, and cases walked to a state through the services."""

import io
import itertools
import zipfile
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from acorn_portal import clock
from refunds.choices import ChargebackState, DeductionFamily, EvidenceKind
from refunds.models import Chargeback
from refunds.services import workflow
from refunds.services.evidence import add_evidence

_ids = itertools.count(1)

PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def today():
    """Today in the US marketplace, where the test accounts sell: the server's UTC date runs a day
    ahead of Los Angeles' every evening there (00:00-08:00 UTC), and deadlines follow the marketplace."""
    return clock.local_today("US")


def make_chargeback(account, **fields) -> Chargeback:
    """A shortage claim of 250 USD, disputable now, due in 20 days (override anything)."""
    values = {
        "amazon_id": f"SC{next(_ids):08d}",
        "family": DeductionFamily.SHORTAGE,
        "deduction_type": "shortage",
        "amount": Decimal("250.00"),
        "currency": account.currency,
        "quantity": 10,
        "issue_date": today() - timedelta(days=10),
        "po_number": "2JK3S9VC",
        "invoice_number": "INV1001SC",
        "due_on": today() + timedelta(days=20),
        "description": "Amazon received 10 units fewer than invoiced.",
    }
    values.update(fields)
    return Chargeback.objects.create(account=account, **values)


def png_bytes(size=(4, 4)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="JPEG")
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    book = Workbook()
    book.active.append(["PO", "Units"])
    book.save(buffer)
    return buffer.getvalue()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("tracking.txt", "1Z999AA10123456784 delivered")
    return buffer.getvalue()


def upload(data: bytes, name="evidence.pdf"):
    return SimpleUploadedFile(name, data)


def add_pod(case, user, name="pod.pdf"):
    return add_evidence(
        chargeback=case, actor=user, kind=EvidenceKind.PROOF_OF_DELIVERY, upload=upload(PDF_BYTES, name)
    )


def reload(case) -> Chargeback:
    return Chargeback.objects.select_related("account__organization").get(pk=case.pk)


def walk(case, target, *, ops, manager, finance=None) -> Chargeback:
    """Take a fresh case through the services to `target` (in_review … denied)."""
    path = [
        ChargebackState.IN_REVIEW,
        ChargebackState.PENDING_APPROVAL,
        ChargebackState.APPROVED,
        ChargebackState.DISPUTED,
    ]
    case = reload(case)
    if case.state == ChargebackState.NEW:
        case = workflow.start_review(chargeback=case, actor=ops)
    if target == ChargebackState.IN_REVIEW:
        return case
    for requirement in case.missing_evidence():
        kind = sorted(requirement.kinds)[0]
        add_evidence(chargeback=case, actor=ops, kind=kind, upload=upload(PDF_BYTES, f"{kind}.pdf"))
    case = workflow.request_approval(chargeback=case, actor=ops)
    if target == ChargebackState.PENDING_APPROVAL:
        return case
    case = workflow.approve_dispute(chargeback=case, actor=manager)
    if target == ChargebackState.APPROVED:
        return case
    case = workflow.file_dispute(chargeback=case, actor=ops, amazon_case_id=f"CASE-{case.pk}-{case.dispute_round}")
    if target == ChargebackState.DISPUTED:
        return case
    assert target == ChargebackState.DENIED and finance is not None, path
    return workflow.record_amazon_denial(chargeback=case, actor=finance, reason="Amazon: POD not legible")
