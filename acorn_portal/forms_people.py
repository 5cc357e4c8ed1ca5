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
    """One provider per organization: OpenID Connect or SAML 2.0; the other protocol's fields are ignored."""

    OIDC, SAML = "oidc", "saml"
    protocol = forms.ChoiceField(
        label=_("Protocol"),
        choices=[(OIDC, _("OpenID Connect")), (SAML, _("SAML 2.0"))],
        initial=OIDC,
        required=False,
        widget=forms.RadioSelect,
    )
    issuer_url = forms.URLField(
        assume_scheme="https",
        label=_("Issuer URL"),
        required=False,
        help_text=_(
            "Your identity provider's issuer, e.g. https://login.example.com/realms/acme "
            "(its /.well-known/openid-configuration must answer)."
        ),
    )
    client_id = forms.CharField(label=_("Client ID"), max_length=191, required=False)
    client_secret = forms.CharField(
        label=_("Client secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Never shown again; leave empty to keep the stored one."),
    )
    saml_metadata_url = forms.URLField(
        assume_scheme="https",
        label=_("IdP metadata URL"),
        required=False,
        help_text=_(
            "If your identity provider publishes metadata, give its URL: the entity ID, SSO URL and "
            "certificate are read from it when you save (save again after it changes its certificate)."
        ),
    )
    saml_entity_id = forms.CharField(label=_("IdP entity ID"), max_length=1000, required=False)
    saml_sso_url = forms.URLField(assume_scheme="https", label=_("IdP single sign-on URL"), required=False)
    saml_certificate = forms.CharField(
        label=_("IdP signing certificate"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 70, "spellcheck": "false"}),
        help_text=_("PEM, -----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----."),
    )
    saml_email_attribute = forms.CharField(
        label=_("E-mail attribute"),
        max_length=300,
        required=False,
        help_text=_(
            "Leave empty for the usual names (urn:oid:0.9.2342.19200300.100.1.3, …/claims/emailaddress, email)."
        ),
    )
    saml_first_name_attribute = forms.CharField(label=_("First name attribute"), max_length=300, required=False)
    saml_last_name_attribute = forms.CharField(label=_("Last name attribute"), max_length=300, required=False)
    default_role = forms.ChoiceField(label=_("Role of newcomers"), choices=Role.choices, initial=Role.OPERATIONS)
    require_sso = forms.BooleanField(
        label=_("Require single sign-on for everyone in this organization"),
        required=False,
        help_text=_("Members can no longer sign in with a password."),
    )
    enabled = forms.BooleanField(initial=True, required=False)

    def clean(self):
        data = super().clean()
        data["protocol"] = data.get("protocol") or self.OIDC
        if data["protocol"] == self.OIDC:
            required = ["issuer_url", "client_id"]
        elif data.get("saml_metadata_url"):
            required = []
        else:
            required = ["saml_entity_id", "saml_sso_url", "saml_certificate"]
        for name in required:
            if not data.get(name) and name not in self.errors:
                self.add_error(name, forms.Field.default_error_messages["required"])
        return data


class AcornLoginForm(AdminAuthenticationForm):
    """The admin's sign-in form, refusing passwords for members of organizations that require SSO."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        refused = sso.password_refused_for(user)
        if refused:
            raise forms.ValidationError(refused, code="sso_required")
