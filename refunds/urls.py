from django.urls import path

from refunds import views

app_name = "refunds"

urlpatterns = [
    path("evidence/<uuid:uuid>/", views.evidence_download, name="evidence-download"),
    path("packets/<uuid:uuid>/", views.packet_download, name="packet-download"),
]
