"""Checklist steps of data sources: the first source, and the first sync that brought data in."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from acorn_portal.checklist import register_step
from datasources.models import DataSource, SyncRun, SyncStatus


@register_step("first_source", _("Add a data source and test its connection"), order=40)
def first_source(organization, user):
    return DataSource.objects.filter(account__organization=organization).exists(), reverse("setup:source-add")


@register_step("first_sync", _("Run the first sync"), order=50)
def first_sync(organization, user):
    done = SyncRun.objects.filter(account__organization=organization, status=SyncStatus.SUCCEEDED).exists()
    return done, reverse("setup:sources")
