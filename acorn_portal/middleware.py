"""Request ids: every response carries X-Request-ID, and every log line of the request names it."""

import contextvars
import logging
import re
import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def current_request_id() -> str:
    return _request_id.get()


class RequestIDMiddleware:
    """Accept a caller's X-Request-ID when it is safe to echo, else mint one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIDLogFilter(logging.Filter):
    def filter(self, record):
        record.request_id = _request_id.get()
        return True


class TwoFactorMiddleware:
    """Someone signed in with a password who still owes a second factor reaches only the two-factor
    pages, sign-out and static files: every other URL (the whole admin, the API by session, file
    downloads) sends them to enrolment or to the code prompt, and back where they were going after.

    Runs after django_otp's OTPMiddleware, which tells whether this session gave a code.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not self._always_open(request.path_info):
            from acorn_portal.services.two_factor import Need, need_for

            need = need_for(user)
            if need is not Need.NONE:
                if request.path_info.startswith("/api/"):
                    return JsonResponse(
                        {"detail": "Two-factor authentication is required: sign in through the portal first."},
                        status=403,
                    )
                target = reverse("two_factor:setup" if need is Need.ENROL else "two_factor:verify")
                return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _always_open(path: str) -> bool:
        static = "/" + settings.STATIC_URL.lstrip("/")
        return path.startswith((reverse("two_factor:home"), reverse("admin:logout"), static))


class LanguageMiddleware:
    """Activates the person's language for the request (acorn_portal.languages says which)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils import translation
        from django.utils.cache import patch_vary_headers

        from acorn_portal.languages import language_for_request

        language = language_for_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class ActiveOrganizationMiddleware:
    """A person in several organizations works in one at a time: the one they chose with the switcher.

    For every portal page (the admin, the dashboard, set-up, file downloads) the request's user is
    narrowed to that organization before any view runs (acorn_portal.tenancy.work_in_organization),
    so every list, choice and object page is scoped the way it is for a member of one organization.
    The API (keys carry their own organization) and allauth's sign-in pages are left as they are.
    """

    LEFT_AS_THEY_ARE = ("/api/", "/accounts/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path_info.startswith(self.LEFT_AS_THEY_ARE):
            from acorn_portal.services.people import current_organization
            from acorn_portal.tenancy import organization_ids_for, work_in_organization

            org_ids = organization_ids_for(user)
            if org_ids is not None and len(org_ids) > 1:
                user._acorn_all_org_ids = org_ids  # the switcher still offers every one of them
                organization = current_organization(request)
                if organization is not None:
                    work_in_organization(user, organization.pk)
        return self.get_response(request)
