"""The admin's side of sign-in: the login form that knows single sign-on, and allauth's admin pages
taken away (they show client secrets and tokens; organizations configure SSO on their own page).

Called from AcornPortalConfig.ready(), after django.contrib.admin's ready() registered every admin module.
"""

from django.contrib import admin

from acorn_portal.forms_people import AcornLoginForm


def install():
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken

    admin.site.login_form = AcornLoginForm
    admin.site.login_template = "acorn_portal/people/login.html"
    for model in (SocialApp, SocialToken, SocialAccount, EmailAddress):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
