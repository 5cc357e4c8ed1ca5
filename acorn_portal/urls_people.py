from django.urls import path

from acorn_portal import views_people as views

app_name = "onboarding"

urlpatterns = [
    path("signup/", views.sign_up, name="signup"),
    path("signup/verify/<str:token>/", views.verify_email, name="verify-email"),
    path("join/<str:token>/", views.join, name="join"),
    path("start/", views.start, name="start"),
    path("organization/switch/", views.switch, name="switch"),
    path("people/", views.people_page, name="people"),
    path("people/<int:pk>/role/", views.member_role, name="member-role"),
    path("people/<int:pk>/deactivate/", views.member_deactivate, name="member-deactivate"),
    path("people/<int:pk>/reset-two-factor/", views.member_reset_two_factor, name="member-reset-two-factor"),
    path("people/invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation-revoke"),
    path("sso/settings/", views.sso_settings, name="sso-settings"),
    path("sso/", views.sso_start, name="sso-find"),
    path("sso/<slug:slug>/", views.sso_start, name="sso-start"),
]
