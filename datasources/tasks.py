"""django-q2 entry points: ids in, a one-line summary out; safe to run twice or late.

Enqueue after commit, e.g. `transaction.on_commit(partial(async_task, "datasources.tasks.sync_account", id))`.
"""

from django_q.tasks import async_task

from acorn_portal import clock
from acorn_portal.models import VendorAccount
from datasources.models import DataSource
from datasources.services import sync
from datasources.services.imports import run_queued_import


def sync_account(account_id: int, trigger: str = "schedule") -> str:
    """Sync an account's enabled data sources; a duplicate while one runs finds the lease taken and stops."""
    account = VendorAccount.objects.filter(pk=account_id, is_active=True).first()
    if account is None:
        return f"account {account_id}: gone or inactive, nothing to do"
    try:
        runs = sync.sync_account(account_id, trigger=trigger)
    except sync.AccountBusyError:
        return f"{account}: another sync holds the account, skipped"
    return f"{account}: {sync.summary(runs)}"


def run_file_import(import_id: int) -> str:
    """Parse and ingest a report file uploaded through the API; a duplicate finds it claimed and stops."""
    done = run_queued_import(import_id)
    if done is None:
        return f"file import {import_id}: not queued (done, running or gone), nothing to do"
    return f"file import {import_id}: {done.status}, {done.rows} rows, {done.error_count} error(s)"


def sync_due_sources() -> str:
    """Enqueue a sync for each account with a data source whose interval has passed (every minute)."""
    now = clock.now()
    due = sorted({source.account_id for source in DataSource.objects.filter(enabled=True) if source.is_due(now)})
    for account_id in due:
        async_task("datasources.tasks.sync_account", account_id, "schedule", task_name=f"sync account {account_id}")
    return f"{len(due)} account(s) due for sync"


def check_stale_accounts() -> str:
    """Hourly: alert each account with no successful sync for 24 h, once per staleness."""
    from datasources.services.alerts import report_stale_accounts

    return f"{report_stale_accounts()} stale-account alert(s) claimed"
