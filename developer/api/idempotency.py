"""`Idempotency-Key` on POST: the first response is kept and replayed; the request never runs twice.

Before the view runs, a row (API key, idempotency key, method, path) is inserted in its own
transaction. The unique constraint makes the insert the claim: a concurrent repeat fails to insert
and finds the row still incomplete (409, try again later); a later repeat finds it complete and gets
the stored response back byte for byte (with `Idempotent-Replayed: true`); a repeat whose body
differs is refused with 422, since the key was meant for a different request. 5xx responses are not
kept (the row is removed), so a retry after a server error runs again.
"""

import hashlib

from django.db import IntegrityError, transaction
from django.http import HttpResponse

from developer.api.problems import Conflict, Unprocessable
from developer.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class Replay(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised from `initial()` to answer with the stored response instead of running the view."""

    def __init__(self, response):
        super().__init__("replay")
        self.response = response


def body_digest(request) -> str:
    """SHA-256 of what the request carries: the raw body, or for multipart the fields and file contents."""
    digest = hashlib.sha256()
    if request.content_type.startswith("multipart/"):
        for name in sorted(request.data.keys()):
            if name in request.FILES:
                continue
            for value in request.data.getlist(name):
                digest.update(f"{name}={value}\n".encode())
        for name in sorted(request.FILES.keys()):
            for upload in request.FILES.getlist(name):
                digest.update(f"{name}:{upload.name}:{upload.size}\n".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def claim(request):
    """The claimed record for this request, or None when it carries no Idempotency-Key; raises Replay/409/422."""
    key = request.headers.get(HEADER, "").strip()
    if request.method != "POST" or not key:
        return None
    if len(key) > MAX_KEY_LENGTH:
        raise Unprocessable(f"{HEADER} must be at most {MAX_KEY_LENGTH} characters.")
    api_key = request.api_key
    digest = body_digest(request)
    path = request.path[:500]
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                api_key=api_key, key=key, method=request.method, path=path, body_sha256=digest
            )
    except IntegrityError:
        pass
    record = IdempotencyRecord.objects.filter(api_key=api_key, key=key, method=request.method, path=path).first()
    if record is None:  # removed after a 5xx between our insert and this read: let the caller retry
        raise Conflict(f"A request with this {HEADER} just failed; retry it.")
    if record.body_sha256 != digest:
        raise Unprocessable(
            f"This {HEADER} was used for a request with a different body; use a new key for a new request.",
            code="idempotency_key_reused",
        )
    if not record.completed:
        raise Conflict(
            f"A request with this {HEADER} is still being processed; retry later.", code="request_in_progress"
        )
    response = HttpResponse(bytes(record.body), status=record.status_code, content_type=record.content_type)
    response["Idempotent-Replayed"] = "true"
    raise Replay(response)


def release(record: IdempotencyRecord) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk).delete()


def store(record: IdempotencyRecord, response) -> None:
    """Keep the first response (rendered), or free the key after a server error."""
    if response.status_code >= 500:
        release(record)
        return
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    record.completed = True
    record.status_code = response.status_code
    record.content_type = response.get("Content-Type", "")
    record.body = response.content
    record.save(update_fields=["completed", "status_code", "content_type", "body"])
