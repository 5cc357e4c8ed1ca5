"""OAuth 2.0 endpoints: the consent page (ours), the token and revocation endpoints (django-oauth-toolkit's)."""

from django.urls import path
from oauth2_provider import views as oauth_views

from developer import views_oauth

app_name = "oauth"

urlpatterns = [
    path("authorize/", views_oauth.authorize, name="authorize"),
    path("token/", oauth_views.TokenView.as_view(), name="token"),
    path("revoke/", oauth_views.RevokeTokenView.as_view(), name="revoke"),
]
