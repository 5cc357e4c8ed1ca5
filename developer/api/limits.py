"""Request body limits under /api/: a too large body answers 413 before a byte of it is read.

Each view may say how much it accepts (`max_body_bytes` on the class, else ACORN_API_MAX_BODY_BYTES).
A declared `Content-Length` above the limit is refused from the headers alone. A chunked body (no
Content-Length) is read with a running count and refused as soon as it passes the limit; what was
read is spooled (memory, then a temporary file) and handed to the view as if it had a length.
JSON bodies are read here as well, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE (meant for form posts)
no longer turns a valid bulk request into a 500; multipart uploads stream to temporary files as usual.
"""

import io
import tempfile

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream

from developer.api.problems import API_PREFIX, problem_response

CHUNK = 64 * 1024
BODYLESS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE", "TRACE"})


class BodyTooLargeError(Exception):
    """A chunked body passed the limit while it was being read."""


def body_limit(view_func) -> int:
    """The most bytes the view behind `view_func` accepts in a request body."""
    view_class = getattr(view_func, "cls", None) or getattr(view_func, "view_class", None)
    limit = getattr(view_class, "max_body_bytes", None)
    return int(limit() if callable(limit) else limit or settings.ACORN_API_MAX_BODY_BYTES)


def too_large(request, limit: int):
    return problem_response(
        413,
        f"The request body is larger than this endpoint accepts ({limit:,} bytes); send less per request.",
        request=request,
        code="payload_too_large",
        max_bytes=limit,
    )


def _read_capped(stream, limit: int):
    """The whole of `stream`, spooled, and its size; BodyTooLargeError once more than `limit` bytes came."""
    spool = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)  # noqa: SIM115 - handed on
    size = 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > limit:
            spool.close()
            raise BodyTooLargeError
        spool.write(chunk)
    spool.seek(0)
    return spool, size


class RequestBodyLimitMiddleware:
    """Refuses API request bodies over the view's limit with a problem 413, reading none of it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.path.startswith(API_PREFIX) or request.method in BODYLESS:
            return None
        limit = body_limit(view_func)
        declared = request.META.get("CONTENT_LENGTH")
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if declared and declared.isdigit() and int(declared) > limit:
            return too_large(request, limit)
        if chunked and not declared:
            # Django reads no body without a length; read it here, counting, and give it one.
            try:
                spool, size = _read_capped(request.META["wsgi.input"], limit)
            except BodyTooLargeError:
                return too_large(request, limit)
            request.META["CONTENT_LENGTH"] = str(size)
            request._stream = LimitedStream(spool, size)
            declared = str(size)
        if request.content_type != "multipart/form-data" and declared and declared.isdigit():
            # Read now (bounded by the limit above) so request.body does not apply the form-post cap.
            request._body = request._stream.read(int(declared))
            request._stream = io.BytesIO(request._body)
        return None
