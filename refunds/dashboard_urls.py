from django.urls import path

from refunds import dashboard_views

app_name = "dashboard"

urlpatterns = [
    path("", dashboard_views.dashboard, name="index"),
    path("reports/recovery/", dashboard_views.recovery_report_view, name="recovery-report"),
]
