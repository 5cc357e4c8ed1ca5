from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "ACORN"
admin.site.site_title = "ACORN"
admin.site.index_title = "Deductions, disputes and recoveries"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("files/", include("refunds.urls")),
    path("api/v1/", include("developer.api.urls")),
]
