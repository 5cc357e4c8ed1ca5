"""The `/api/v1/` URLconf: one router; every route here is walked by tests/developer/test_isolation.py."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from developer.api.chargebacks import ChargebackViewSet
from developer.api.events import EventViewSet

app_name = "api"

router = SimpleRouter()
router.register("chargebacks", ChargebackViewSet, basename="chargeback")
router.register("events", EventViewSet, basename="event")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("", include(router.urls)),
]
