"""Errors as RFC 9457 problem details (`application/problem+json`), for every error under /api/.

DRF exceptions go through `problem_exception_handler`; Django's own 404/405/500 for paths DRF never
saw (an unknown URL, an uncaught exception) are rewritten by `ProblemDetailsMiddleware`. Every body
carries the request id that the X-Request-ID header also carries, so a support question can quote it.

    {"type": "https://acorn.dev/problems/validation-error", "title": "Invalid request",
     "status": 400, "detail": "...", "instance": "/api/v1/...", "request_id": "...",
     "errors": {"field": ["message"], "items.0.quantity": ["message"]},
     "invalid_params": [{"name": "items.0.quantity", "pointer": "/items/0/quantity", "reason": "...",
                         "code": "min_value"}]}

Nested and bulk errors are flattened to dotted names in `errors` and JSON pointers in `invalid_params`.
"""

import logging

import orjson
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from acorn_portal.middleware import current_request_id

log = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "https://acorn.dev/problems/"
API_PREFIX = "/api/"

# Titles follow the request's language (Accept-Language); type, status and codes never change.
TITLES = {
    400: _("Invalid request"),
    401: _("Not authenticated"),
    403: _("Forbidden"),
    404: _("Not found"),
    405: _("Method not allowed"),
    406: _("Not acceptable"),
    409: _("Conflict"),
    413: _("Payload too large"),
    415: _("Unsupported media type"),
    422: _("Unprocessable request"),
    429: _("Too many requests"),
    500: _("Server error"),
}
TYPES = {
    400: "validation-error",
    401: "not-authenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "unprocessable",
    429: "rate-limited",
    500: "server-error",
}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The resource changed or is busy; reload it and try again.")
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("The request cannot be processed.")
    default_code = "unprocessable"


def problem(status_code: int, detail: str = "", *, instance: str = "", code: str = "", errors=None, **extra) -> dict:
    body = {
        "type": PROBLEM_BASE + (code.replace("_", "-") if code else TYPES.get(status_code, "error")),
        "title": str(TITLES.get(status_code, _("Error"))),
        "status": status_code,
        "detail": str(detail or TITLES.get(status_code, _("Error"))),
        "instance": instance,
        "request_id": current_request_id(),
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    return body


def problem_response(status_code: int, detail: str = "", *, request=None, headers=None, **kwargs) -> HttpResponse:
    """A plain Django response with a problem body (for middleware and non-DRF callers)."""
    instance = request.get_full_path() if request is not None else ""
    body = problem(status_code, detail, instance=instance, **kwargs)
    response = HttpResponse(orjson.dumps(body), status=status_code, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_leaves(detail, path=()) -> list[tuple[tuple, str, str]]:
    """Every message of a (nested) validation error as (path, message, code), in order.

    Nested serializers give dicts, `many=True` lists with `{}` for valid entries, list fields
    `{index: [...]}`: all become paths of field names and indexes, never Python reprs.
    """
    if isinstance(detail, dict):
        return [leaf for key, value in detail.items() for leaf in error_leaves(value, (*path, key))]
    if isinstance(detail, list | tuple):
        if all(not isinstance(item, dict | list | tuple) for item in detail):
            return [(path, str(item), getattr(item, "code", "") or "invalid") for item in detail]
        return [leaf for index, item in enumerate(detail) for leaf in error_leaves(item, (*path, index))]
    return [(path, str(detail), getattr(detail, "code", "") or "invalid")]


def field_name(path) -> str:
    """`items.0.shipped_quantity`: the key of `errors` (top-level fields keep their plain names)."""
    return ".".join(str(part) for part in path) or "non_field_errors"


def json_pointer(path, prefix: str = "") -> str:
    """RFC 6901 pointer into the request body, e.g. `/items/0/shipped_quantity`."""
    if tuple(path) in (("non_field_errors",), ("__all__",)):
        return prefix or ""
    escaped = (str(part).replace("~", "~0").replace("/", "~1") for part in path)
    return prefix + "".join("/" + part for part in escaped)


def invalid_params(detail, prefix: str = "") -> list[dict]:
    """One entry per message: `{"name", "pointer", "reason", "code"}` (RFC 9457's invalid-params)."""
    return [
        {"name": field_name(path), "pointer": json_pointer(path, prefix), "reason": message, "code": code}
        for path, message, code in error_leaves(detail)
    ]


def _flatten(detail) -> tuple[str, dict | None]:
    """A one-line message and, for validation errors, the messages per field (nested ones by dotted path)."""
    if isinstance(detail, dict):
        errors = {}
        for path, message, _code in error_leaves(detail):
            errors.setdefault(field_name(path), []).append(message)
        first_field, first = next(iter(errors.items()), ("", [""]))
        message = first[0] if first_field in ("non_field_errors", "__all__") else f"{first_field}: {first[0]}"
        return message, errors
    if isinstance(detail, list):
        return "; ".join(message for _path, message, _code in error_leaves(detail)), None
    return str(detail), None


def _translate(exc):
    """Django and workflow exceptions as the DRF exceptions they mean."""
    if isinstance(exc, Http404):
        return exceptions.NotFound(gettext(str(exc)) if str(exc) else _("Not found."))
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(gettext(str(exc)) if str(exc) else _("You may not do this."))
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return exceptions.ValidationError(detail)
    # Messages kept in English (gettext_noop) are in the catalogue too: the reader's language here.
    if isinstance(exc, ConcurrentTransition):
        return Conflict(gettext(str(exc)))
    if isinstance(exc, TransitionNotAllowed):
        return Conflict(gettext(str(exc)), code="transition_not_allowed")
    return exc


def problem_exception_handler(exc, context):
    """DRF's handler (headers such as Retry-After and WWW-Authenticate), then a problem body."""
    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: the middleware turns the 500 into a problem too
    request = context.get("request")
    detail, errors = _flatten(exc.detail if isinstance(exc, exceptions.APIException) else response.data)
    code = getattr(exc, "reason", "") or _code_of(exc)
    extra = {}
    if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict | list):
        extra["invalid_params"] = invalid_params(exc.detail)
    if getattr(exc, "accepted", None) is not None:
        extra["accepted_params"] = exc.accepted  # unknown query parameters: what the list takes
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        extra["retry_after"] = int(exc.wait + 0.999)
    response.data = problem(
        response.status_code,
        detail,
        instance=request.get_full_path() if request is not None else "",
        code=code,
        errors=errors,
        **extra,
    )
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def _code_of(exc) -> str:
    if isinstance(exc, exceptions.ValidationError) or not isinstance(exc, exceptions.APIException):
        return ""
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else ""
    generic = {"not_found", "permission_denied", "not_authenticated", "authentication_failed", "throttled", "error"}
    return "" if code in generic or code == getattr(exc, "default_code", "") else code


class ProblemDetailsMiddleware:
    """Under /api/: every error response that is not already a problem becomes one (unknown URLs, 500s)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE):
            return response
        headers = {name: response[name] for name in ("Allow", "Retry-After", "WWW-Authenticate") if name in response}
        return problem_response(response.status_code, request=request, headers=headers)

    def process_exception(self, request, exception):
        if not request.path.startswith(API_PREFIX):
            return None
        log.exception("Unhandled error in %s", request.path)
        return problem_response(
            500, gettext("Something went wrong on our side; quote the request id."), request=request
        )
