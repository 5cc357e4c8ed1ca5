"""Pages for sign-up, e-mail verification, invitations, an organization's people, switching
organization and single sign-on. Thin: every rule is in acorn_portal.services.signup/people/sso.

Pages about an organization work on the person's current organization (the switcher sets it), and
a member id from another organization is "not found": the services check the actor's role again.
"""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from acorn_portal import clock
from acorn_portal.forms_people import InviteForm, JoinForm, ReasonForm, RoleForm, SignUpForm, SSOForm
from acorn_portal.models import Membership, Organization
from acorn_portal.models_people import Invitation, OrganizationSSO
from acorn_portal.roles import Role
from acorn_portal.services import people, signup, sso, sso_saml

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _page(request, template, title, **context):
    return render(
        request,
        f"acorn_portal/people/{template}",
        {**admin.site.each_context(request), "title": title, **context},
    )


def _errors(form, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# -- sign-up --------------------------------------------------------------------------------------


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def sign_up(request):
    if not signup.signup_open():
        return _page(request, "signup_closed.html", _("Sign-up is closed"))
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            signup.request_sign_up(
                email=data["email"],
                company_name=data["company_name"],
                contact_name=data["contact_name"],
                phone=data["phone"],
                password=data["password1"],
                now=clock.now(),
                request=request,
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            return _page(request, "signup_sent.html", _("Check your e-mail"), email=data["email"])
    return _page(request, "signup.html", _("Sign up your company"), form=form)


@require_http_methods(["GET", "POST"])
def verify_email(request, token):
    """GET shows a button (mail scanners follow links; only a person's POST creates anything)."""
    if request.method == "POST":
        try:
            result = signup.complete_sign_up(token=token, now=clock.now())
        except ValidationError as exc:
            return _page(request, "link_problem.html", _("This link does not work"), problems=exc.messages)
        login(request, result.user, backend=BACKEND)
        messages.success(
            request,
            _("E-mail verified and %(organization)s created. Now set up two-factor sign-in.")
            % {"organization": result.organization},
        )
        return HttpResponseRedirect(reverse("onboarding:start"))
    return _page(request, "verify_email.html", _("Verify your e-mail"))


# -- invitations ----------------------------------------------------------------------------------


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def join(request, token):
    now = clock.now()
    try:
        invitation = people.find_invitation(token, now=now)
    except ValidationError as exc:
        return _page(request, "link_problem.html", _("This link does not work"), problems=exc.messages)
    signed_in = request.user if request.user.is_authenticated else None
    form = None if signed_in else JoinForm(request.POST or None)
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            user, organization = people.accept_invitation(
                token=token,
                now=now,
                user=signed_in,
                password=form.cleaned_data["password1"] if form else "",
                request=request,
            )
        except (ValidationError, PermissionDenied) as exc:
            problems = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            return _page(request, "link_problem.html", _("This link does not work"), problems=problems)
        if signed_in is None:
            login(request, user, backend=BACKEND)
        messages.success(request, _("Welcome to %(organization)s.") % {"organization": organization})
        return HttpResponseRedirect(reverse("onboarding:start"))
    return _page(
        request,
        "join.html",
        _("Join %(organization)s") % {"organization": invitation.organization},
        invitation=invitation,
        form=form,
    )


# -- the organization in use ----------------------------------------------------------------------


def _organization(request) -> Organization:
    organization = people.current_organization(request)
    if organization is None:
        raise Http404(_("You belong to no organization."))
    return organization


def _managed_organization(request) -> Organization:
    organization = _organization(request)
    if not people.may_manage(request.user, organization.pk):
        raise PermissionDenied(_("Only an admin of this organization manages its people."))
    return organization


@login_required
def start(request):
    """Where a new organization begins: its checklist (the dashboard shows it too)."""
    return _page(request, "start.html", _("Getting started"), organization=_organization(request))


@login_required
@require_POST
def switch(request):
    try:
        organization = people.switch_organization(
            user=request.user, organization_id=int(request.POST.get("organization", 0))
        )
    except (ValueError, PermissionDenied):
        raise Http404(_("Not one of your organizations.")) from None
    messages.success(request, _("You are now working in %(organization)s.") % {"organization": organization})
    landing = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        landing, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        landing = reverse("onboarding:start")
    return HttpResponseRedirect(landing)


# -- people ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def people_page(request):
    organization = _managed_organization(request)
    now = clock.now()
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            people.invite(
                actor=request.user,
                organization=organization,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                now=now,
                request=request,
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s; the link works for %(days)d days.")
                % {"email": form.cleaned_data["email"], "days": settings.ACORN_INVITATION_DAYS},
            )
            return HttpResponseRedirect(reverse("onboarding:people"))
    invitations = Invitation.objects.filter(organization=organization).select_related("invited_by")[:50]
    return _page(
        request,
        "people.html",
        f"People of {organization}",
        organization=organization,
        members=people.people_of(organization),
        invitations=[(invitation, invitation.state(now)) for invitation in invitations],
        form=form,
        role_form=RoleForm(),
        reason_form=ReasonForm(),
    )


def _membership(request, pk) -> Membership:
    """A member of the current organization; anything else is not found."""
    organization = _managed_organization(request)
    return get_object_or_404(people.people_of(organization), pk=pk)


def _act(request, verb, done: str):
    try:
        verb()
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, done)
    return HttpResponseRedirect(reverse("onboarding:people"))


@login_required
@require_POST
def member_role(request, pk):
    membership = _membership(request, pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Pick a role."))
        return HttpResponseRedirect(reverse("onboarding:people"))
    role = form.cleaned_data["role"]
    return _act(
        request,
        lambda: people.change_role(actor=request.user, membership=membership, role=role, request=request),
        f"{membership.user.email or membership.user} is now {Role(role).label}.",
    )


@login_required
@require_POST
def member_deactivate(request, pk):
    membership = _membership(request, pk)
    reason = request.POST.get("reason", "")
    return _act(
        request,
        lambda: people.deactivate(actor=request.user, membership=membership, reason=reason, request=request),
        f"{membership.user.email or membership.user} no longer has access to {membership.organization}.",
    )


@login_required
@require_POST
def member_reset_two_factor(request, pk):
    membership = _membership(request, pk)
    reason = request.POST.get("reason", "")
    return _act(
        request,
        lambda: people.reset_two_factor(request=request, membership=membership, reason=reason),
        f"Two-factor reset for {membership.user.email or membership.user}: they set it up again at their next sign-in.",
    )


@login_required
@require_POST
def invitation_revoke(request, pk):
    organization = _managed_organization(request)
    invitation = get_object_or_404(Invitation.objects.filter(organization=organization), pk=pk)
    return _act(
        request,
        lambda: people.revoke_invitation(actor=request.user, invitation=invitation, now=clock.now()),
        f"Invitation of {invitation.email} withdrawn.",
    )


# -- single sign-on -------------------------------------------------------------------------------


def _sso_initial(current) -> dict:
    if current is None:
        return {}
    settings = current.app.settings
    common = {"default_role": current.default_role, "require_sso": current.require_sso, "enabled": current.enabled}
    if not sso.is_saml(current):
        return {**common, "issuer_url": settings.get("server_url", ""), "client_id": current.app.client_id}
    idp, ours = settings.get("idp", {}), settings.get("acorn", {})
    return {
        **common,
        "protocol": SSOForm.SAML,
        "saml_metadata_url": ours.get("metadata_url", ""),
        "saml_entity_id": idp.get("entity_id", ""),
        "saml_sso_url": idp.get("sso_url", ""),
        "saml_certificate": idp.get("x509cert", ""),
        "saml_email_attribute": ours.get("email_attribute", ""),
        "saml_first_name_attribute": ours.get("first_name_attribute", ""),
        "saml_last_name_attribute": ours.get("last_name_attribute", ""),
    }


def _configure_from_form(request, organization, data) -> tuple[bool, str]:
    """Save the form's protocol; whether the provider looks usable, in a sentence for the admin."""
    common = {
        "actor": request.user,
        "organization": organization,
        "default_role": data["default_role"],
        "require_sso": data["require_sso"],
        "enabled": data["enabled"],
        "request": request,
    }
    if data["protocol"] == SSOForm.SAML:
        found = sso.configure_saml(
            entity_id=data["saml_entity_id"],
            sso_url=data["saml_sso_url"],
            x509cert=data["saml_certificate"],
            metadata_url=data["saml_metadata_url"],
            email_attribute=data["saml_email_attribute"],
            first_name_attribute=data["saml_first_name_attribute"],
            last_name_attribute=data["saml_last_name_attribute"],
            **common,
        )
        return sso_saml.certificate_sentence(found.app.settings["idp"]["x509cert"], clock.now())
    sso.configure_sso(
        issuer_url=data["issuer_url"],
        client_id=data["client_id"],
        client_secret=data["client_secret"] or None,
        **common,
    )
    return sso.check_discovery(data["issuer_url"])


@login_required
@sensitive_post_parameters("client_secret")
@require_http_methods(["GET", "POST"])
def sso_settings(request):
    organization = _managed_organization(request)
    current = OrganizationSSO.objects.filter(organization=organization).select_related("app").first()
    form = SSOForm(request.POST or None, initial=_sso_initial(current) or None)
    if request.method == "POST" and form.is_valid():
        try:
            usable, sentence = _configure_from_form(request, organization, form.cleaned_data)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            (messages.success if usable else messages.warning)(
                request, _("Single sign-on saved. %(check)s") % {"check": sentence}
            )
            return HttpResponseRedirect(reverse("onboarding:sso-settings"))
    slug = organization.slug
    return _page(
        request,
        "sso_settings.html",
        f"Single sign-on of {organization}",
        organization=organization,
        form=form,
        current=current,
        is_saml=sso.is_saml(current),
        callback=request.build_absolute_uri(
            reverse("openid_connect_callback", kwargs={"provider_id": sso.provider_id_for(organization)})
        ),
        saml_metadata=request.build_absolute_uri(reverse("saml_metadata", kwargs={"organization_slug": slug})),
        saml_acs=request.build_absolute_uri(reverse("saml_acs", kwargs={"organization_slug": slug})),
        sign_in_url=request.build_absolute_uri(reverse("onboarding:sso-start", args=[slug])),
    )


@require_http_methods(["GET", "POST"])
def sso_start(request, slug=None):
    """Pick the organization (by its short name), then a button that posts to the provider's sign-in."""
    slug = slug or request.POST.get("organization", "").strip().lower()
    found = (
        OrganizationSSO.objects.filter(organization__slug=slug, enabled=True)
        .select_related("organization", "app")
        .first()
        if slug
        else None
    )
    if request.method == "POST" and slug and found is not None:
        return HttpResponseRedirect(reverse("onboarding:sso-start", args=[slug]))
    response = _page(
        request,
        "sso_start.html",
        "Sign in with single sign-on",
        found=found,
        slug=slug,
        login_url=sso.login_url_for(found) if found else "",
    )
    if found is not None:
        # The form posts here and is redirected to the provider: the CSP's form-action must allow it.
        response._csp_update = {"form-action": ["'self'", sso.provider_origin(found)]}
    return response


@require_POST
def sso_login(request, provider_id):
    """allauth's OpenID Connect sign-in, with a provider that cannot be reached explained instead of a 500."""
    import requests
    from allauth.socialaccount.providers.openid_connect.views import login as allauth_login

    try:
        return allauth_login(request, provider_id)
    except requests.RequestException:
        return _page(
            request,
            "link_problem.html",
            "Single sign-on is not available",
            problems=[
                "Your organization's identity provider could not be reached. Try again later, or ask your admin."
            ],
        )


@require_POST
def saml_login(request, organization_slug):
    """allauth's SAML sign-in (a POST from our sign-in page): the browser goes on to the IdP's SSO URL."""
    from allauth.socialaccount.providers.saml.views import login as allauth_login
    from onelogin.saml2.errors import OneLogin_Saml2_Error

    try:
        return allauth_login(request, organization_slug=organization_slug)
    except OneLogin_Saml2_Error as exc:
        return _page(
            request,
            "link_problem.html",
            _("Single sign-on is not available"),
            problems=[_("The SAML settings of your organization cannot be used (%s): ask your admin.") % exc],
        )


def saml_finish_acs(request, organization_slug):
    """allauth's check of the IdP's answer; an answer to a sign-in this browser did not start is explained."""
    from allauth.socialaccount.providers.saml.views import finish_acs

    try:
        return finish_acs(request, organization_slug=organization_slug)
    except PermissionDenied:
        problem = _(
            "This answer belongs to no sign-in started in this browser, or it was used already. "
            "Start again from ACORN's single sign-on page."
        )
        return render(request, "socialaccount/authentication_error.html", {"problem": problem}, status=401)


@csrf_exempt
def saml_single_logout(request, organization_slug):
    """Named in the SP metadata by allauth; ACORN does not offer single logout."""
    return HttpResponse(_("Single logout is not offered: sign out in ACORN."), status=501, content_type="text/plain")


@require_GET
def sso_signup_refused(request):
    """Where allauth sends a provider's user it cannot create automatically (their e-mail has an account).

    We never link by e-mail (see services.sso), so the person is told what to do instead of a form.
    """
    request.session.pop("socialaccount_sociallogin", None)
    return _page(
        request,
        "link_problem.html",
        "Single sign-on could not sign you in",
        problems=[
            "Your identity provider signed you in with an e-mail address that already belongs to an ACORN "
            "account. Sign in with that account's password, or ask your organization's admin for help."
        ],
    )


@require_GET
def sso_login_error(request):
    return render(request, "socialaccount/authentication_error.html", admin.site.each_context(request), status=401)


@require_GET
def sso_login_cancelled(request):
    return render(request, "socialaccount/login_cancelled.html", admin.site.each_context(request))
