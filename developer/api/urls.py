"""The `/api/v1/` URLconf: one router; every route here is walked by tests/developer/test_isolation.py."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from developer.api.chargebacks import ChargebackViewSet
from developer.api.documents import (
    CoopAgreementViewSet,
    InvoiceBulkViewSet,
    ProofOfDeliveryViewSet,
    PurchaseOrderViewSet,
    ReceiptViewSet,
    RemittanceViewSet,
    ShipmentBulkViewSet,
)
from developer.api.events import EventViewSet
from developer.api.imports import ImportViewSet, SyncRunViewSet
from developer.api.ledger import LedgerExportViewSet, LedgerViewSet
from developer.api.me import MeView
from developer.api.webhooks import WebhookEndpointViewSet

app_name = "api"

router = SimpleRouter()
router.register("chargebacks", ChargebackViewSet, basename="chargeback")
router.register("documents/purchase-orders", PurchaseOrderViewSet, basename="purchase-order")
router.register("documents/shipments", ShipmentBulkViewSet, basename="shipment")
router.register("documents/receipts", ReceiptViewSet, basename="receipt")
router.register("documents/invoices", InvoiceBulkViewSet, basename="invoice")
router.register("documents/remittances", RemittanceViewSet, basename="remittance")
router.register("documents/proofs-of-delivery", ProofOfDeliveryViewSet, basename="proof-of-delivery")
router.register("documents/coop-agreements", CoopAgreementViewSet, basename="coop-agreement")
router.register("imports", ImportViewSet, basename="import")
router.register("sync-runs", SyncRunViewSet, basename="sync-run")
router.register("events", EventViewSet, basename="event")
router.register("webhooks", WebhookEndpointViewSet, basename="webhook")
router.register("ledger/exports", LedgerExportViewSet, basename="ledger-export")
router.register("ledger", LedgerViewSet, basename="ledger")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    # The split view loads its start-up script from a URL: our Content Security Policy allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("me/", MeView.as_view(), name="me"),
    path("", include(router.urls)),
]
