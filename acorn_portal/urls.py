from django.contrib import admin
from django.urls import include, path

from acorn_portal import views

admin.site.site_header = "ACORN"
admin.site.site_title = "ACORN"
admin.site.index_title = "Deductions, disputes and recoveries"

urlpatterns = [
    path("", views.start),
    # The admin's index is the dashboard (the portal's start page); its list of sections moves to /admin/apps/.
    path("admin/", views.start),
    path("admin/apps/", admin.site.admin_view(admin.site.index), name="admin-apps"),
    path("admin/", admin.site.urls),
    path("dashboard/", include("refunds.dashboard_urls")),
    path("status/", views.status, name="status"),
    path("files/", include("refunds.urls")),
]
