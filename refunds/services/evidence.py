"""Evidence uploads: checked by content (never by name, `acorn_portal.uploads`), stored under a random path.

What a dispute needs is decided in `refunds.workflow_policy.required_evidence`; this module takes
files in (one, several, or one file for many cases) and takes a wrong one out again before filing.
Every change re-evaluates the case once it commits, so the verdict never speaks of a file that is
(or is no longer) there, and a change after an approval sends the case back for approval.
"""

from contextlib import contextmanager
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from acorn_portal import clock
from acorn_portal.services.events import emit_event
from acorn_portal.tenancy import perm_in_org
from acorn_portal.uploads import EVIDENCE_TYPES, UploadRefused, check_upload
from refunds.choices import CLOSED_STATES, PRE_FILING_STATES, EvidenceKind
from refunds.models import Chargeback, Evidence


def max_upload_bytes() -> int:
    return settings.ACORN_EVIDENCE_MAX_BYTES


def accepted_kinds_text() -> str:
    """The file kinds evidence accepts, in words, from the list the check itself uses."""
    labels = [gettext(file_type.label) for file_type in EVIDENCE_TYPES]
    return gettext("%(kinds)s or %(last)s") % {"kinds": gettext(", ").join(labels[:-1]), "last": labels[-1]}


def accepted_extensions() -> str:
    """For the file input's `accept` attribute (a hint to the browser; the content still decides)."""
    extensions = {f".{file_type.extension}" for file_type in EVIDENCE_TYPES} | {".jpeg", ".tiff"}
    return ",".join(sorted(extensions))


def check_evidence_file(upload):
    """The shared upload checks with evidence's types and limit; ValidationError({"file": ...}) if refused."""
    try:
        return check_upload(upload, allowed=EVIDENCE_TYPES, max_bytes=max_upload_bytes())
    except UploadRefused as exc:
        raise ValidationError({"file": exc.messages}) from None


def _check_may_add(chargeback: Chargeback, actor, kind: str) -> None:
    if not perm_in_org(actor, "refunds.add_evidence", chargeback.organization_id):
        raise PermissionDenied(_("You may not add evidence to this case."))
    if chargeback.state in CLOSED_STATES:
        raise ValidationError(_("Evidence cannot be added to a closed case."))
    if kind not in EvidenceKind.values:
        raise ValidationError({"kind": f"Unknown evidence kind {kind!r}."})


def _reevaluate_after_commit(chargeback_ids, cause: str) -> None:
    """Judge the cases again as soon as the change commits, in this request: a person is looking at them."""
    from refunds.services.matching import evaluate_chargebacks

    transaction.on_commit(partial(evaluate_chargebacks, sorted(set(chargeback_ids)), cause=cause[:60]))


def _store(chargeback: Chargeback, actor, kind: str, upload, checked, note: str, files: list) -> Evidence:
    """Save one evidence row inside the caller's transaction, noting its file in `files`."""
    from refunds.services.workflow import reopen_approval

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
    upload.seek(0)
    evidence.file.save("ignored", upload, save=False)  # the path comes from evidence_path(), not the name
    files.append(evidence.file)
    with translation.override(None):  # history and the evaluation's cause keep English
        kind_text = str(evidence.get_kind_display())
    evidence._history_user = actor
    evidence._change_reason = f"{kind_text} uploaded: {evidence.original_name}"[:100]
    evidence.save()
    reopen_approval(chargeback=chargeback, actor=actor, what=f"{kind_text} uploaded")
    emit_event(
        "chargeback.evidence_added",
        organization=chargeback.account.organization,
        obj=chargeback,
        payload={"amazon_id": chargeback.amazon_id, "evidence": str(evidence.uuid), "kind": kind},
    )
    return evidence


@contextmanager
def _files_removed_on_failure():
    """Stored files whose rows did not commit are deleted again: no orphan file on disk."""
    files = []
    try:
        with transaction.atomic():
            yield files
    except Exception:
        for stored in files:
            stored.delete(save=False)
        raise


def add_evidence(*, chargeback: Chargeback, actor, kind: str, upload, note: str = "") -> Evidence:
    """Attach a file to an open case after checking who uploads, its size and its real type."""
    return add_evidence_files(chargeback=chargeback, actor=actor, kind=kind, uploads=[upload], note=note)[0]


def add_evidence_files(*, chargeback: Chargeback, actor, kind: str, uploads, note: str = "") -> list[Evidence]:
    """Attach several files of one kind at once: all are checked first, then all are kept, or none."""
    _check_may_add(chargeback, actor, kind)
    if not uploads:
        raise ValidationError({"file": _("Choose at least one file.")})
    checked = [check_evidence_file(upload) for upload in uploads]
    with _files_removed_on_failure() as files:
        stored = [_store(chargeback, actor, kind, u, c, note, files) for u, c in zip(uploads, checked, strict=True)]
        _reevaluate_after_commit([chargeback.pk], f"{len(stored)} file(s) uploaded")
    return stored


def attach_to_cases(*, chargebacks, actor, kind: str, upload, note: str = "") -> list[Evidence]:
    """One document (a POD covering a whole shipment) attached to many cases: one stored copy per case.

    All or nothing: a case the actor may not change, or a closed one, refuses the whole batch with
    its id, so nobody has to find out which cases got the file.
    """
    cases = list(chargebacks)
    if not cases:
        raise ValidationError(_("Choose at least one case."))
    for case in cases:
        try:
            _check_may_add(case, actor, kind)
        except (PermissionDenied, ValidationError) as exc:
            raise type(exc)(f"{case.amazon_id}: {' '.join(getattr(exc, 'messages', [str(exc)]))}") from None
    checked = check_evidence_file(upload)
    with _files_removed_on_failure() as files:
        stored = [_store(case, actor, kind, upload, checked, note, files) for case in cases]
        _reevaluate_after_commit([case.pk for case in cases], f"{checked.display_name} attached")
    return stored


def remove_evidence(*, evidence: Evidence, actor, reason: str) -> Evidence:
    """Take a wrong file off a case before it is filed; it stays in the record, marked removed."""
    from refunds.services.workflow import reopen_approval

    case = evidence.chargeback
    if not perm_in_org(actor, "refunds.add_evidence", case.organization_id):
        raise PermissionDenied(_("You may not remove evidence from this case."))
    if case.state not in PRE_FILING_STATES:
        raise ValidationError(
            _("Evidence can be removed only before the dispute is filed: it is part of what was sent.")
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the file is removed.")})
    with transaction.atomic():
        row = Evidence.objects.select_for_update().get(pk=evidence.pk)
        if row.removed_at is not None:
            raise ValidationError(_("This file was already removed."))
        row.removed_at, row.removed_by, row.removal_reason = clock.now(), actor, reason[:500]
        row._history_user = actor
        with translation.override(None):  # history and the evaluation's cause keep English
            kind_text = str(row.get_kind_display())
        row._change_reason = f"{kind_text} removed: {reason}"[:100]
        row.save(update_fields=["removed_at", "removed_by", "removal_reason"])
        reopen_approval(chargeback=case, actor=actor, what=f"{kind_text} removed")
        emit_event(
            "chargeback.evidence_removed",
            organization=case.account.organization,
            obj=case,
            payload={"amazon_id": case.amazon_id, "evidence": str(row.uuid), "reason": reason},
        )
        _reevaluate_after_commit([case.pk], f"{kind_text} removed")
    return row


def upload_from_bytes(data: bytes, name: str = "upload"):
    """A file-like upload from bytes (scripts and tests)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)
