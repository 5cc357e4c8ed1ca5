"""The portal's admin site: Django's, with the navigation arranged per role (acorn_portal.navigation)."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class AcornAdminSite(admin.AdminSite):
    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        if app_label is not None:
            # One app's own index page lists its tables as Django does: reachable, just not in the nav.
            return app_list
        from acorn_portal.navigation import arrange

        return arrange(request, app_list)


class AcornAdminConfig(AdminConfig):
    default_site = "acorn_portal.admin_site.AcornAdminSite"
