"""The queues in the portal: the case list's queue filter and the start page's counts, from one definition.

Both go through `refunds.services.queues.QUEUES`, so the number beside a queue on the start page is
the number of rows its list shows (capped at COUNT_CAP, never a full COUNT over a million rows).
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from acorn_portal.models import VendorAccount
from acorn_portal.tenancy import organization_ids_for
from refunds.managers import account_zones_read_once
from refunds.services.queues import QUEUES, queue_for

COUNT_CAP = 999


class QueueFilter(admin.SimpleListFilter):
    """The queues people work from, one click from the start page; a queue also sets the list's order."""

    title = _("queue")
    parameter_name = "queue"
    QUEUES = {key: queue.label for key, queue in QUEUES.items()}

    def lookups(self, request, model_admin):
        # Every queue, without asking who it applies to: the list's sidebar costs no query.
        return [(key, queue.label) for key, queue in QUEUES.items()]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        queue = queue_for(self.value())
        return queryset.none() if queue is None else queue.cases(queryset, request.user)


def queue_ordering(request) -> tuple[str, ...] | None:
    """The order the chosen queue reads in (None: no queue, or the person sorted by a column)."""
    queue = queue_for(request.GET.get("queue"))
    return queue.ordering if queue is not None else None


def visible_cases(request):
    """The cases this user may see, named by their vendor accounts (the case list scopes the same way)."""
    from refunds.models import Chargeback

    base = Chargeback.objects.all()
    if organization_ids_for(request.user) is not None:
        # By account ids rather than through the accounts table: the planner misjudges that join's
        # selectivity and reads a third of the table from the account index (refunds.admin_caselist).
        base = base.filter(
            account_id__in=list(VendorAccount.objects.visible_to(request.user).values_list("pk", flat=True))
        )
    return base


def queue_links(request) -> list[dict]:
    """The start page's queues this user works from, each with its capped count and list link.

    Once per request (the page and its menu both show them); the accounts' time zones are read once
    for all the queues.
    """
    if not hasattr(request, "_acorn_queue_links"):
        with account_zones_read_once():
            request._acorn_queue_links = _queue_links(request)
    return request._acorn_queue_links


def _queue_links(request) -> list[dict]:
    if not request.user.has_perm("refunds.view_chargeback"):
        return []
    base = visible_cases(request)
    url = reverse("admin:refunds_chargeback_changelist")
    links = []
    for key, queue in QUEUES.items():
        if not queue.applies(request.user):
            continue
        # A bounded read: at most COUNT_CAP + 1 rows of the queue's own index, never a full COUNT.
        count = queue.cases(base, request.user).order_by()[: COUNT_CAP + 1].count()
        links.append(
            {
                "key": key,
                "label": queue.label,
                "help": queue.help,
                "url": f"{url}?queue={key}",
                "count": f"{COUNT_CAP}+" if count > COUNT_CAP else count,
            }
        )
    return links
