from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AcornPortalConfig(AppConfig):
    name = "acorn_portal"
    verbose_name = _("Organizations")

    def ready(self):
        from acorn_portal import (  # noqa: F401 - registers checks, connects receivers
            admin_people,
            checks,
            signals,
            sso_adapter,
        )
        from acorn_portal.schedules import install_schedules
        from acorn_portal.services.roles import sync_role_groups

        # django.contrib.admin's ready() (first in INSTALLED_APPS) registered every admin module by now.
        admin_people.install()
        # Every app's models are loaded by now (ready() runs after all models are imported).
        from acorn_portal.model_labels import translate_model_labels

        translate_model_labels()
        from acorn_portal.navigation import CONFIGURATION, place
        from acorn_portal.roles import Role

        # Finance and managers keep the rates reports convert at; managers read the audit trail.
        place("acorn_portal.ExchangeRate", CONFIGURATION, roles={Role.FINANCE, Role.MANAGER})
        place("acorn_portal.AuditEvent", CONFIGURATION, roles={Role.MANAGER})
        post_migrate.connect(sync_role_groups, dispatch_uid="acorn_sync_role_groups")
        post_migrate.connect(install_schedules, sender=self, dispatch_uid="acorn_portal_install_schedules")
