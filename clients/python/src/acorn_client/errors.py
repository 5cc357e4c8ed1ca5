"""Exceptions: one base class, a typed subclass per HTTP error family, all carrying the problem details.

ACORN answers every error under /api/ with an RFC 9457 problem body
(`application/problem+json`: type, title, status, detail, instance, request_id, errors). An
`ApiError` keeps each of those; a response that is not a problem (a proxy's HTML 502) still gives
an `ApiError` with the status, the reason phrase as title and the start of the body as detail.
"""

from __future__ import annotations

from typing import Any


class AcornError(Exception):
    """Base class of everything this client raises on purpose."""


class TransportError(AcornError):
    """The request never got an HTTP answer (connection refused or reset, timeout), after all retries."""


class SignatureVerificationError(AcornError):
    """A webhook's ACORN-Signature header does not match its body, is malformed or is too old."""


class ApiError(AcornError):
    """ACORN answered with an error status; the problem details are on the attributes."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        *,
        type: str = "about:blank",  # noqa: A002 - the RFC 9457 member's name
        instance: str = "",
        request_id: str = "",
        errors: dict[str, list[str]] | None = None,
        body: dict[str, Any] | None = None,
        retry_after: float | None = None,
        method: str = "",
        url: str = "",
    ):
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type
        self.instance = instance
        self.request_id = request_id
        self.errors = errors or {}
        self.body = body or {}
        self.retry_after = retry_after
        self.method = method
        self.url = url
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f" ({self.method} {self.url})" if self.method else ""
        rid = f" [request id {self.request_id}]" if self.request_id else ""
        detail = f": {self.detail}" if self.detail and self.detail != self.title else ""
        return f"{self.status} {self.title}{detail}{where}{rid}"


class BadRequestError(ApiError):
    """400: the request was invalid; `errors` maps field names to messages."""


class AuthenticationError(ApiError):
    """401: missing, unknown, expired or revoked key (the detail says which)."""


class PermissionDeniedError(ApiError):
    """403: the key lacks a scope or its service user lacks the permission."""


class NotFoundError(ApiError):
    """404: no such object, or it belongs to another organization."""


class ConflictError(ApiError):
    """409: a workflow transition that is not allowed now, or a concurrent change."""


class PayloadTooLargeError(ApiError):
    """413: the body is larger than the endpoint accepts (`body["max_bytes"]`); send fewer items per request."""


class UnprocessableError(ApiError):
    """422: well-formed but not processable."""


class RateLimitError(ApiError):
    """429 after all retries (or with a Retry-After longer than the client will wait)."""


class ServerError(ApiError):
    """5xx after all retries."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    422: UnprocessableError,
    429: RateLimitError,
}


def error_class_for(status: int) -> type[ApiError]:
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, ApiError)
