"""The start page's and case list's notice while an organization's first sync has not finished.

Until a data source's first sync succeeds the dashboard shows nothing, which reads as "no
deductions"; the notice says why and how far the sync is ("First sync in progress: 12 pages,
4,200 rows"), or that nothing has arrived yet. It disappears once every enabled source has synced.
"""

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from datasources.models import DataSource, SyncRun, SyncStatus

ROW_COUNTS = ("created", "updated", "unchanged")


def first_sync_banner(request) -> str:
    # One query on every start page and case list: the enabled sources never synced successfully.
    waiting = list(
        DataSource.objects.visible_to(request.user)
        .filter(enabled=True, last_success_at__isnull=True)
        .values_list("pk", flat=True)
    )
    if not waiting:
        return ""
    running = list(SyncRun.objects.filter(data_source_id__in=waiting, status=SyncStatus.RUNNING))
    if not running:
        return format_html(
            '<span id="first-sync">{}</span>',
            _("No data yet: the first sync from Amazon has not run. Deductions appear here once it has."),
        )
    pages = sum(run.pages for run in running)
    rows = sum(run.total(name) for run in running for name in ROW_COUNTS)
    return format_html(
        '<span id="first-sync">{}</span>',
        _("First sync in progress: %(pages)s, %(rows)s. The figures fill in as it runs.")
        % {
            "pages": ngettext("%(count)s page", "%(count)s pages", pages) % {"count": intcomma(pages)},
            "rows": ngettext("%(count)s row", "%(count)s rows", rows) % {"count": intcomma(rows)},
        },
    )
