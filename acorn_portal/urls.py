from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "ACORN"
admin.site.site_title = "ACORN"
admin.site.index_title = "Deductions, disputes and recoveries"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("account/two-factor/", include("acorn_portal.urls_two_factor")),
    # Files only through these permission-checked views; MEDIA_ROOT itself has no URL.
    path("files/", include("refunds.urls")),
    path("files/", include("datasources.urls")),
    path("api/v1/", include("developer.api.urls")),
]
