"""The case list at a million deductions: a search that probes indexes, sorts an index can serve.

Mixed into `refunds.admin.ChargebackAdmin`. Why each index exists and how the counts stay cheap:
docs/decisions/0301-case-list-indexes.md.

- Search (`ChargebackQuerySet.find`): every branch is an `=` (or `IN`) on an indexed column, never
  Django's `UPPER(col) = UPPER(%s)`, which no plain index serves.
- Sorting: each sortable column orders by a column that leads an index, continued by the index's
  next columns and the primary key *in the same direction*, so PostgreSQL reads the first page off
  the index forwards or backwards and stops after 50 rows. Django's own tie-break is always `-pk`,
  which turns an ascending sort into a mixed-direction one that no index serves.
- Columns that only group a handful of values (family, type, recommendation, Amazon's status) and
  the identifiers people search for (PO, ASIN) are not sortable: a sort by them shows the first 50
  rows of one value, which the filter or search beside the list does with an index.
"""

from django.contrib.admin.views.main import ChangeList
from django.db.models import F, OrderBy

from acorn_portal.admin_base import EstimatedCountPaginator
from acorn_portal.models import VendorAccount
from acorn_portal.tenancy import restrict_to_organizations
from refunds.admin_queues import queue_ordering

# Sort field → the columns after it in the index that serves it (the primary key always comes last).
# `account_id` and `assignee_id` rather than the related rows: ordering by a joined table's column
# cannot be read off this table's indexes.
THEN_BY = {
    "issue_date": (),  # (issue_date, id)
    "due_on": (),  # (due_on, id)
    "amount": (),  # (amount, id)
    "amazon_id": (),  # (amazon_id, id)
    "state": ("due_on",),  # (state, due_on, id): within a state, by deadline
    "assignee_id": ("state",),  # (assignee, state, id): a person's cases together, by state
    "account_id": ("issue_date",),  # (account, issue_date, id): an account's cases by issue date
}


def _field_and_direction(part) -> tuple[str | None, bool]:
    """("due_on", True) for "-due_on" or F("due_on").desc(); (None, …) for anything else."""
    if isinstance(part, str):
        return part.lstrip("-"), part.startswith("-")
    if isinstance(part, OrderBy) and isinstance(part.expression, F):
        return part.expression.name, part.descending
    if isinstance(part, F):
        return part.name, False
    return None, False


# Columns whose natural ordering joins another table, ordered by this table's key to it instead.
ORDER_FIELDS = {"account": "account_id", "owner": "assignee_id"}


class CaseChangeList(ChangeList):
    """A changelist whose ordering always ends the way an index reads: same direction throughout."""

    def get_ordering_field(self, field_name):
        return ORDER_FIELDS.get(field_name) or super().get_ordering_field(field_name)

    def _get_deterministic_ordering(self, ordering):
        # The admin's own ordering arrives twice (as given and again from the queryset it ordered):
        # a field repeated adds nothing to ORDER BY, and would hide a one-column order from THEN_BY.
        unique, seen = [], set()
        for part in ordering:
            name = _field_and_direction(part)[0]
            if name is None or name not in seen:
                unique.append(part)
            if name is not None:
                seen.add(name)
        ordering = unique
        if not ordering:
            return super()._get_deterministic_ordering(ordering)
        first, descending = _field_and_direction(ordering[0])
        names = {_field_and_direction(part)[0] for part in ordering}
        if first not in THEN_BY or names & {"pk", "id"} or len(ordering) > 1:
            return super()._get_deterministic_ordering(ordering)
        sign = "-" if descending else ""
        return [ordering[0], *(sign + name for name in THEN_BY[first]), sign + "pk"]


class CaseListPaginator(EstimatedCountPaginator):
    """Counts a filtered list up to 1,000 ("1,000+ chargebacks"): reading 10,000 rows to say "10,000+"
    costs more than the page itself, and nobody pages to the thousandth case; later pages still open."""

    cap = 1_000


class CaseListMixin:
    """Search, sorting and counts of the case list (see the module docstring)."""

    sortable_by = ("case", "state", "owner", "deadline", "amount_display", "issue_date")
    paginator = CaseListPaginator

    def get_changelist(self, request, **kwargs):
        return CaseChangeList

    def get_ordering(self, request):
        """A queue reads in its own order (most money first, nearest deadline first …) until a column is sorted."""
        return queue_ordering(request) or super().get_ordering(request)

    def visible_account_ids(self, request) -> list[int] | None:
        """The vendor accounts whose cases this user may see (None: every account, for superusers).

        Once per request: the scope and the search both use them.
        """
        if not hasattr(request, "_case_list_account_ids"):
            organizations = self.organizations_for(request, "view", "change")
            accounts = restrict_to_organizations(VendorAccount.objects.all(), organizations)
            request._case_list_account_ids = (
                None if organizations is None else list(accounts.order_by("pk").values_list("pk", flat=True))
            )
        return request._case_list_account_ids

    def scope_queryset(self, request, queryset):
        """The user's organizations' cases, named by their vendor accounts.

        The same rows as the organization filter, without its join to the accounts table: through
        the join PostgreSQL guesses one organization's accounts are few and intersects every query
        with a third of the table read from the account index.
        """
        account_ids = self.visible_account_ids(request)
        return queryset if account_ids is None else queryset.filter(account_id__in=account_ids)

    def get_search_results(self, request, queryset, search_term):
        queryset = self.scope_queryset(request, queryset)
        if not search_term.strip():
            return queryset, False
        account_ids = self.visible_account_ids(request)
        if account_ids is None:
            account_ids = VendorAccount.objects.order_by("pk").values_list("pk", flat=True)
        return queryset.find(search_term, account_ids=account_ids), False
