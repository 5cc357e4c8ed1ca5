"""The OAuth 2.0 consent page: an organization's admin allows a third-party app, choosing the organization,
the role and the scopes. The token and revocation endpoints are django-oauth-toolkit's own views.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from oauth2_provider.exceptions import FatalClientError, OAuthToolkitError
from oauth2_provider.models import get_application_model
from oauth2_provider.oauth2_backends import get_oauthlib_core

from acorn_portal.models import Organization
from acorn_portal.roles import Role
from acorn_portal.tenancy import organizations_with_perm
from developer.scopes import Scope
from developer.services.oauth import allowed_roles, approve_app


class ConsentForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), empty_label=None)
    role = forms.ChoiceField(
        choices=Role.choices,
        help_text=_("The app acts as a member with this role (only permissions you hold), within the scopes below."),
    )
    grant_scopes = forms.MultipleChoiceField(
        label=_("Scopes"), widget=forms.CheckboxSelectMultiple, help_text=_("Untick what the app should not get.")
    )

    def __init__(self, *args, user, requested, **kwargs):
        super().__init__(*args, **kwargs)
        org_ids = organizations_with_perm(user, "developer.add_apikey")
        orgs = Organization.objects.all() if org_ids is None else Organization.objects.filter(pk__in=org_ids)
        self.fields["organization"].queryset = orgs.order_by("name")
        labels = dict(Scope.choices)
        self.fields["grant_scopes"].choices = [(scope, f"{scope}: {labels[scope]}") for scope in requested]
        self.fields["grant_scopes"].initial = list(requested)
        # Roles the person may give in at least one of these organizations; approve_app checks the chosen one.
        roles = {role for org in orgs for role in allowed_roles(user, org)}
        self.fields["role"].choices = [(value, label) for value, label in Role.choices if value in roles]


@login_required
@require_http_methods(["GET", "POST"])
def authorize(request):
    """GET shows what the app asks for; POST "allow" or "deny" sends the browser back to the app."""
    core = get_oauthlib_core()
    try:
        scopes, credentials = core.validate_authorization_request(request)
    except OAuthToolkitError as error:
        return _error(request, error)
    application = (
        get_application_model()
        .objects.select_related("registration__organization")
        .get(client_id=credentials["client_id"])
    )
    requested = [scope for scope in Scope.values if scope in scopes]
    form = ConsentForm(request.POST or None, user=request.user, requested=requested)
    if not form.fields["organization"].queryset.exists():
        raise PermissionDenied(_("Only an organization's admins may allow apps."))
    if request.method == "POST":
        allow = "allow" in request.POST
        if allow and form.is_valid():
            try:
                authorization = approve_app(
                    application=application,
                    organization=form.cleaned_data["organization"],
                    scopes=form.cleaned_data["grant_scopes"],
                    role=form.cleaned_data["role"],
                    approved_by=request.user,
                    request=request,
                )
            except (PermissionDenied, ValidationError) as exc:
                form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
            else:
                # The code (and every token from it) belongs to the approval's delegate, not to this person.
                credentials["acorn_delegate"] = authorization.key.user
                return _respond(request, core, form.cleaned_data["grant_scopes"], credentials, allow=True)
        elif not allow:
            return _respond(request, core, [], credentials, allow=False)
    context = {
        **admin.site.each_context(request),
        "title": f"Allow {application.name}?",
        "application": application,
        "form": form,
    }
    return render(request, "developer/oauth_consent.html", context)


def _respond(request, core, scopes, credentials, *, allow):
    try:
        uri, _headers, _body, _status = core.create_authorization_response(request, scopes, credentials, allow)
    except OAuthToolkitError as error:
        return _error(request, error)
    return HttpResponseRedirect(uri)


def _error(request, error):
    """Errors the app can be told about go back to its redirect URI; others (an unknown client, a wrong
    redirect URI) are shown here, since sending the browser to an unverified address would be an open redirect."""
    oauthlib_error = error.oauthlib_error
    if not isinstance(error, FatalClientError) and oauthlib_error.redirect_uri:
        separator = "&" if "?" in oauthlib_error.redirect_uri else "?"
        return HttpResponseRedirect(oauthlib_error.redirect_uri + separator + oauthlib_error.urlencoded)
    context = {**admin.site.each_context(request), "title": "This app cannot be allowed", "error": oauthlib_error}
    return render(request, "developer/oauth_error.html", context, status=400)
