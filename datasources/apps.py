from django.apps import AppConfig


class DatasourcesConfig(AppConfig):
    name = "datasources"
    verbose_name = "Data sources"

    def ready(self):
        from acorn_portal.status import register_section
        from datasources import retention
        from datasources.status import sync_section

        register_section("sync", sync_section, order=10)
        retention.register()
