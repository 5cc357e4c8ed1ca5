from allauth.socialaccount.providers.openid_connect import urls as oidc_urls
from allauth.socialaccount.providers.saml import views as saml_views
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from acorn_portal import views, views_people

admin.site.site_header = "ACORN"
admin.site.site_title = _("ACORN")
admin.site.index_title = _("Deductions, disputes and recoveries")

urlpatterns = [
    path("", views.start),
    # The admin's index is the dashboard (the portal's start page); its list of sections moves to /admin/apps/.
    path("admin/", views.start),
    path("admin/apps/", admin.site.admin_view(admin.site.index), name="admin-apps"),
    path("admin/", admin.site.urls),
    path("account/two-factor/", include("acorn_portal.urls_two_factor")),
    # Sign-up, invitations, people, organization switching and single sign-on (acorn_portal.views_people).
    path("account/", include("acorn_portal.urls_people")),
    path("account/password-reset/", auth_views.PasswordResetView.as_view(), name="admin_password_reset"),
    path("account/password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "account/password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "account/password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
    # Only django-allauth's OpenID Connect and SAML sign-in and its error pages: its own sign-up and login are
    # not served.
    path("accounts/oidc/<str:provider_id>/login/", views_people.sso_login, name="openid_connect_login"),
    path("accounts/", include(oidc_urls)),
    path(
        "accounts/saml/<str:organization_slug>/",
        include(
            [
                path("login/", views_people.saml_login, name="saml_login"),
                path("acs/", saml_views.acs, name="saml_acs"),
                path("acs/finish/", views_people.saml_finish_acs, name="saml_finish_acs"),
                path("metadata/", saml_views.metadata, name="saml_metadata"),
                # allauth names this URL in the SP metadata; single logout is not offered.
                path("sls/", views_people.saml_single_logout, name="saml_sls"),
            ]
        ),
    ),
    path("accounts/login/cancelled/", views_people.sso_login_cancelled, name="socialaccount_login_cancelled"),
    path("accounts/login/error/", views_people.sso_login_error, name="socialaccount_login_error"),
    path("accounts/signup/", views_people.sso_signup_refused, name="socialaccount_signup"),
    path("dashboard/", include("refunds.dashboard_urls")),
    path("inbox/", include("refunds.inbox")),
    path("cases/views/", include("refunds.saved_views")),
    path("setup/", include("datasources.urls_setup")),
    path("status/", views.status, name="status"),
    path("language/", views.set_language, name="set-language"),
    # Files only through these permission-checked views; MEDIA_ROOT itself has no URL.
    path("files/", include("refunds.urls")),
    path("files/", include("datasources.urls")),
    path("api/v1/", include("developer.api.urls")),
    # OAuth 2.0 for third-party apps: consent, token and revocation (docs/OAUTH.md).
    path("oauth/", include("developer.urls_oauth")),
]
