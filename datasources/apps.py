from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DatasourcesConfig(AppConfig):
    name = "datasources"
    verbose_name = _("Data sources")

    def ready(self):
        from acorn_portal.status import register_section
        from datasources import retention
        from datasources.schedules import install_schedules
        from datasources.status import sync_section

        register_section("sync", sync_section, order=10)

        post_migrate.connect(install_schedules, sender=self, dispatch_uid="datasources_install_schedules")
        retention.register()
