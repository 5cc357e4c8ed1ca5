"""django-allauth hooks: only organizations' own providers sign people in, and they join in the chosen role."""

from allauth.account.signals import user_logged_in
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.dispatch import receiver

from acorn_portal import clock
from acorn_portal.services import sso


class OrganizationSocialAccountAdapter(DefaultSocialAccountAdapter):
    """Sign-up through a provider is open exactly when an organization enabled that provider."""

    def is_open_for_signup(self, request, sociallogin):
        return sso.sso_for_provider(sociallogin.provider.app.provider_id) is not None

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        # People sign in with their e-mail address as username, as everywhere else in ACORN.
        if user.email and not user.username:
            from acorn_portal.services.signup import unique_username

            user.username = unique_username(user.email)
        return user


@receiver(user_logged_in, dispatch_uid="acorn_sso_membership")
def membership_on_sso_login(sender, request, user, sociallogin=None, **kwargs):
    if sociallogin is None:
        return
    found = sso.sso_for_provider(sociallogin.account.provider)
    if found is not None:
        sso.join_by_sso(user=user, sso=found, now=clock.now(), request=request)
