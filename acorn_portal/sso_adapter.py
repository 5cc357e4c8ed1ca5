"""django-allauth hooks: only organizations' own providers sign people in, and they join in the chosen role."""

from allauth.account.signals import user_logged_in
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.dispatch import receiver
from django.shortcuts import render
from django.utils.translation import gettext as _

from acorn_portal import clock
from acorn_portal.services import sso


class OrganizationSocialAccountAdapter(DefaultSocialAccountAdapter):
    """Sign-up through a provider is open exactly when an organization enabled that provider."""

    def is_open_for_signup(self, request, sociallogin):
        return sso.sso_for_provider(sociallogin.provider.app.provider_id) is not None

    def pre_social_login(self, request, sociallogin):
        # An organization that switched its single sign-on off is not signed in to, even by known accounts.
        if sso.sso_for_provider(sociallogin.provider.app.provider_id) is None:
            raise ImmediateHttpResponse(
                render(
                    request,
                    "socialaccount/authentication_error.html",
                    {"problem": _("This organization's single sign-on is switched off.")},
                    status=401,
                )
            )

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        """Say in a sentence why python3-saml refused an answer (allauth only logs it)."""
        if extra_context is not None and "saml_last_error_reason" in extra_context:
            extra_context["problem"] = saml_problem(extra_context.get("saml_last_error_reason") or "")

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        # People sign in with their e-mail address as username, as everywhere else in ACORN.
        if user.email and not user.username:
            from acorn_portal.services.signup import unique_username

            user.username = unique_username(user.email)
        return user


# python3-saml's reasons (English, for logs) and the sentence shown to the person signing in.
_SAML_PROBLEMS = [
    ("Signature", "signature"),
    ("signed", "signature"),
    ("not a valid audience", "audience"),
    ("Invalid issuer", "issuer"),
    ("SPNameQualifier", "audience"),
    ("was received at", "destination"),
    ("empty Destination", "destination"),
    ("SubjectConfirmation", "destination"),
    ("timestamp", "time"),
    ("have expired", "time"),
]


def saml_problem(reason: str) -> str:
    kind = next((kind for marker, kind in _SAML_PROBLEMS if marker in reason), "")
    return {
        "signature": _(
            "The answer was not signed with the certificate configured for this organization's identity provider."
        ),
        "audience": _("The answer was meant for another service, not for this organization's sign-in to ACORN."),
        "issuer": _("The answer came from an identity provider other than the one this organization configured."),
        "destination": _("The answer was addressed to another sign-in address than this organization's."),
        "time": _("The answer has expired or is not valid yet; check the clocks of the identity provider and ACORN."),
    }.get(kind, _("The identity provider's answer could not be checked."))


@receiver(user_logged_in, dispatch_uid="acorn_sso_membership")
def membership_on_sso_login(sender, request, user, sociallogin=None, **kwargs):
    if sociallogin is None:
        return
    found = sso.sso_for_provider(sociallogin.account.provider)
    if found is not None:
        sso.join_by_sso(user=user, sso=found, now=clock.now(), request=request)
