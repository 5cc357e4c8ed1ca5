from django.apps import AppConfig
from django.db.models.signals import post_migrate


class RefundsConfig(AppConfig):
    name = "refunds"
    verbose_name = "Deductions and documents"

    def ready(self):
        from refunds.schedules import install_schedules

        post_migrate.connect(install_schedules, sender=self, dispatch_uid="refunds_install_schedules")
