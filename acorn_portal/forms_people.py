"""Forms of the sign-up, invitation, people and single sign-on pages (the rules are in the services)."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from acorn_portal.roles import Role
from acorn_portal.services import signup, sso


class PasswordPairMixin:
    def clean_password2(self):
        first, second = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if first and second and first != second:
            raise forms.ValidationError(_("The two passwords differ."))
        password_validation.validate_password(second, self.user_for_validation())
        return second

    def user_for_validation(self):
        return None


class SignUpForm(PasswordPairMixin, forms.Form):
    email = forms.EmailField(
        label=_("Company e-mail"), help_text=_("The address you use at work; we send a link to it.")
    )
    company_name = forms.CharField(label=_("Company name"), max_length=200)
    contact_name = forms.CharField(label=_("Your name"), max_length=150)
    phone = forms.CharField(label=_("Phone (optional)"), max_length=40, required=False)
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean_email(self):
        return signup.check_company_email(self.cleaned_data["email"])


class JoinForm(PasswordPairMixin, forms.Form):
    password1 = forms.CharField(
        label=_("Choose a password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(choices=Role.choices, initial=Role.OPERATIONS)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=300, help_text=_("Kept in the audit trail."))


class SSOForm(forms.Form):
    issuer_url = forms.URLField(
        assume_scheme="https",
        label=_("Issuer URL"),
        help_text=_(
            "Your identity provider's issuer, e.g. https://login.example.com/realms/acme "
            "(its /.well-known/openid-configuration must answer)."
        ),
    )
    client_id = forms.CharField(label=_("Client ID"), max_length=191)
    client_secret = forms.CharField(
        label=_("Client secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Never shown again; leave empty to keep the stored one."),
    )
    default_role = forms.ChoiceField(label=_("Role of newcomers"), choices=Role.choices, initial=Role.OPERATIONS)
    require_sso = forms.BooleanField(
        label=_("Require single sign-on for everyone in this organization"),
        required=False,
        help_text=_("Members can no longer sign in with a password."),
    )
    enabled = forms.BooleanField(initial=True, required=False)


class AcornLoginForm(AdminAuthenticationForm):
    """The admin's sign-in form, refusing passwords for members of organizations that require SSO."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        refused = sso.password_refused_for(user)
        if refused:
            raise forms.ValidationError(refused, code="sso_required")
