from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DeveloperConfig(AppConfig):
    name = "developer"
    verbose_name = _("Developer center")

    def ready(self):
        from developer.api import schema  # noqa: F401 - registers the OpenAPI Bearer key scheme
        from developer.schedules import install_schedules

        post_migrate.connect(install_schedules, sender=self, dispatch_uid="developer_install_schedules")

        from acorn_portal.status import register_section
        from developer.status import webhook_endpoints_section

        register_section("webhook_endpoints", webhook_endpoints_section, order=40)
