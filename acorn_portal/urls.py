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
    path("account/two-factor/", include("acorn_portal.urls_two_factor")),
    path("dashboard/", include("refunds.dashboard_urls")),
    path("status/", views.status, name="status"),
    # Files only through these permission-checked views; MEDIA_ROOT itself has no URL.
    path("files/", include("refunds.urls")),
    path("files/", include("datasources.urls")),
    path("api/v1/", include("developer.api.urls")),
]
