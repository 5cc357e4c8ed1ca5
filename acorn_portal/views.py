"""Core pages: the start page and status page, and the two-factor pages (status, enrolment, the code
prompt after the password, new recovery codes).

Thin: the rules are in acorn_portal.services.two_factor. The pages wear the admin's look (the
admin is the portal) and carry no inline script, so the Content Security Policy holds.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from acorn_portal.services import two_factor
from acorn_portal.status import build_sections
from acorn_portal.tenancy import organization_ids_for


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"}),
    )


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("admin:index")


def _render(request, template, **context):
    context = {
        **admin.site.each_context(request),
        "next": _next_url(request),
        "required": two_factor.is_required(request.user),
        **context,
    }
    return render(request, f"acorn_portal/two_factor/{template}", context)


@login_required
def home(request):
    """Where someone sees whether their account has a second factor and what they can do about it."""
    return _render(
        request,
        "home.html",
        title=_("Two-factor authentication"),
        enrolled=two_factor.has_two_factor(request.user),
        verified=request.user.is_verified(),
    )


@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    if two_factor.has_two_factor(request.user):
        messages.info(request, _("Two-factor authentication is already on for your account."))
        return HttpResponseRedirect(reverse("two_factor:home"))
    device = two_factor.pending_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        enrolment = two_factor.confirm_enrolment(request=request, device=device, token=form.cleaned_data["code"])
        if enrolment is not None:
            # Shown in this response only: the codes are never stored anywhere they could be shown again.
            return _render(
                request,
                "recovery_codes.html",
                title=_("Your recovery codes"),
                codes=enrolment.recovery_codes,
                just_enrolled=True,
            )
        form.add_error("code", _("That code is not valid. Check the time on your phone and type the newest code."))
    return _render(
        request,
        "setup.html",
        title=_("Set up two-factor authentication"),
        form=form,
        qr_svg=two_factor.qr_svg(device),
        secret=two_factor.secret_of(device),
    )


@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    if request.user.is_verified():
        return HttpResponseRedirect(_next_url(request))
    if not two_factor.has_two_factor(request.user):
        return HttpResponseRedirect(reverse("two_factor:setup") + "?" + request.GET.urlencode())
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = two_factor.verify(request=request, token=form.cleaned_data["code"])
        if result.ok:
            if result.method == "recovery_code":
                messages.warning(
                    request,
                    _(
                        "You signed in with a recovery code; %(left)d are left. "
                        "Make new ones on the two-factor page if you are running out."
                    )
                    % {"left": result.recovery_codes_left},
                )
            return HttpResponseRedirect(_next_url(request))
        form.add_error("code", result.message)
    return _render(request, "verify.html", title=_("Two-factor authentication"), form=form)


@login_required
@require_POST
def recovery_codes(request):
    codes = two_factor.regenerate_recovery_codes(request=request)
    return _render(request, "recovery_codes.html", title=_("Your new recovery codes"), codes=codes, just_enrolled=False)


@require_GET
def start(request):
    """`/` and the admin index lead to the dashboard; the admin's app list stays at /admin/apps/."""
    return redirect("dashboard:index")


@require_GET
@login_required
def status(request):
    """Sync freshness, the task cluster and whatever else apps registered (acorn_portal.status)."""
    context = {
        **admin.site.each_context(request),
        "title": "Status",
        "sections": build_sections(request, organization_ids_for(request.user)),
    }
    return render(request, "acorn/status.html", context)


@require_POST
def set_language(request):
    """The header's language switcher: kept on the person's profile, and in a cookie before sign-in."""
    from django.conf import settings

    from acorn_portal.languages import choose

    code = choose(request, request.POST.get("language", ""))
    candidate = request.POST.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    response = HttpResponseRedirect(candidate if candidate and safe else "/")
    if code:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=365 * 24 * 3600,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=True,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, samesite=settings.LANGUAGE_COOKIE_SAMESITE)
    return response
