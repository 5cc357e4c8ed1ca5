"""Setting up an account's data: a vendor account, its sources from the per-kind forms, the first sync.

Each verb checks the actor's role in the account's organization (the same permissions as the
admin), writes in one transaction, and audits credential changes (names only, never values).
"""

from dataclasses import dataclass
from functools import partial

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_q.tasks import async_task

from acorn_portal.models import VendorAccount
from acorn_portal.services import organizations
from acorn_portal.tenancy import perm_in_org
from datasources.models import DataSource, SyncRun, SyncStatus
from datasources.services.credentials import record_credentials_change
from datasources.services.sync import COUNT_NAMES


def require(user, perm: str, organization_id: int) -> None:
    if not perm_in_org(user, perm, organization_id):
        raise PermissionDenied(_("Your role in this organization does not allow this."))


def add_vendor_account(*, actor, form) -> VendorAccount:
    """The account form's values through the organizations service (the command's path): region,
    marketplace id, currency and time zone follow the marketplace."""
    require(actor, "acorn_portal.add_vendoraccount", form.organization.pk)
    data = form.cleaned_data
    return organizations.add_vendor_account(
        form.organization,
        name=data["name"],
        vendor_codes=data["vendor_codes"],
        marketplace=data["marketplace"],
        payment_terms_net_days=data.get("payment_terms_net_days"),
    )


def save_source(*, actor, form, request=None) -> DataSource:
    """Create or change a source from its kind's form; credentials typed are encrypted, blank keeps them."""
    source = form.source or DataSource(kind=form.kind)
    account = form.cleaned_data["account"] if form.source is None else form.source.account
    require(
        actor, "datasources.change_datasource" if form.source else "datasources.add_datasource", account.organization_id
    )
    source.account = account
    source.name = form.cleaned_data["name"]
    source.schedule_minutes = form.cleaned_data["schedule_minutes"]
    source.enabled = form.cleaned_data["enabled"]
    source.settings = form.connector_settings()
    secrets = form.secrets()
    with transaction.atomic():
        if secrets is not None:
            source.set_credentials(secrets)
        source.save()
        if secrets is not None:
            record_credentials_change(source=source, request=request, actor=actor, names=secrets.keys())
    return source


def start_sync(*, actor, source: DataSource) -> None:
    """Queue a sync of the source's account after commit (the task claims the account; a duplicate waits out)."""
    require(actor, "datasources.change_datasource", source.account.organization_id)
    transaction.on_commit(
        partial(
            async_task,
            "datasources.tasks.sync_account",
            source.account_id,
            "manual",
            task_name=f"first sync {source.pk}",
        )
    )


@dataclass
class KindProgress:
    kind: str
    counts: dict
    rows: int


@dataclass
class Progress:
    run: SyncRun | None
    kinds: list[KindProgress]
    running: bool

    @property
    def rows(self) -> int:
        return sum(kind.rows for kind in self.kinds)


def progress(source: DataSource) -> Progress:
    """The source's latest run as it is being written (counts and pages are committed page by page)."""
    run = SyncRun.objects.filter(data_source=source).defer("request_log").order_by("-started_at", "-id").first()
    if run is None:
        return Progress(run=None, kinds=[], running=False)
    kinds = [
        KindProgress(
            kind=kind, counts={name: c.get(name, 0) for name in COUNT_NAMES}, rows=sum(c.get(n, 0) for n in COUNT_NAMES)
        )
        for kind, c in run.counts.items()
    ]
    return Progress(run=run, kinds=kinds, running=run.status == SyncStatus.RUNNING)
