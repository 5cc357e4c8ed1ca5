"""Evidence uploads: checked by content (never by name, `acorn_portal.uploads`), stored under a random path.

What a dispute needs is decided in `refunds.workflow_policy.required_evidence`; this module only
takes files in.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from acorn_portal.services.events import emit_event
from acorn_portal.tenancy import perm_in_org
from acorn_portal.uploads import EVIDENCE_TYPES, UploadRefused, check_upload
from refunds.choices import CLOSED_STATES, EvidenceKind
from refunds.models import Chargeback, Evidence


def max_upload_bytes() -> int:
    return settings.ACORN_EVIDENCE_MAX_BYTES


def check_evidence_file(upload):
    """The shared upload checks with evidence's types and limit; ValidationError({"file": ...}) if refused."""
    try:
        return check_upload(upload, allowed=EVIDENCE_TYPES, max_bytes=max_upload_bytes())
    except UploadRefused as exc:
        raise ValidationError({"file": exc.messages}) from None


def add_evidence(*, chargeback: Chargeback, actor, kind: str, upload, note: str = "") -> Evidence:
    """Attach a file to an open case after checking who uploads, its size and its real type."""
    if not perm_in_org(actor, "refunds.add_evidence", chargeback.organization_id):
        raise PermissionDenied(_("You may not add evidence to this case."))
    if chargeback.state in CLOSED_STATES:
        raise ValidationError(_("Evidence cannot be added to a closed case."))
    if kind not in EvidenceKind.values:
        raise ValidationError({"kind": f"Unknown evidence kind {kind!r}."})
    checked = check_evidence_file(upload)
    evidence = Evidence(
        chargeback=chargeback,
        kind=kind,
        original_name=checked.display_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        note=note,
        uploaded_by=actor,
    )
    evidence.file.save("ignored", upload, save=False)  # the path comes from evidence_path(), not the name
    with translation.override(None):  # history and the evaluation's cause keep English
        kind = str(evidence.get_kind_display())
    try:
        with transaction.atomic():
            evidence._history_user = actor
            evidence._change_reason = f"{kind} uploaded"
            evidence.save()
            # The verdict reads what evidence the case holds: redo it once the upload commits.
            from refunds.services.matching import schedule_evaluation

            schedule_evaluation([chargeback.pk], cause=f"{kind} uploaded")
            emit_event(
                "chargeback.evidence_added",
                organization=chargeback.account.organization,
                obj=chargeback,
                payload={"amazon_id": chargeback.amazon_id, "evidence": str(evidence.uuid), "kind": kind},
            )
    except Exception:
        evidence.file.delete(save=False)  # no orphan file when the database refused the row
        raise
    return evidence


def upload_from_bytes(data: bytes, name: str = "upload"):
    """A file-like upload from bytes (scripts and tests)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)
