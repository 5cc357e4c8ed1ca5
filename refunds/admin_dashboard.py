"""The changelist filter behind every dashboard figure: `?figure=<key>` lists exactly its cases.

Each key calls the same QuerySet method (refunds.managers) or state group (refunds.choices) the
dashboard's figure is defined by, so following a figure shows the rows that make it up; tests compare
the two counts.
"""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.utils.translation import gettext_lazy as _

from refunds.choices import DECIDED_DISPUTE_STATES, DISPUTED_STATES, WON_STATES, ChargebackState
from refunds.services.dashboard import AGING_BUCKETS, FIGURES


def figure_queryset(key: str, queryset):
    """The cases behind dashboard figure `key` (before the account, currency and period filters)."""
    figures = {
        "open": lambda: queryset.open(),
        "due_week": lambda: queryset.due_this_week_local(),
        "overdue": lambda: queryset.overdue_local(),
        "recovered_month": lambda: queryset.recovered_this_local("month"),
        "recovered_quarter": lambda: queryset.recovered_this_local("quarter"),
        "awaiting_credit": lambda: queryset.filter(state=ChargebackState.AMAZON_APPROVED),
        "disputed": lambda: queryset.filter(state__in=DISPUTED_STATES),
        "decided": lambda: queryset.filter(state__in=DECIDED_DISPUTE_STATES),
        "won": lambda: queryset.filter(state__in=WON_STATES),
    }
    for bucket, _label, low, high in AGING_BUCKETS:
        figures[bucket] = lambda low=low, high=high: queryset.aged_local(low, high)
    if key not in figures:
        raise IncorrectLookupParameters(f"Unknown dashboard figure {key!r}.")
    return figures[key]()


class FigureFilter(admin.SimpleListFilter):
    """Dashboard figures as a list filter (due this week, overdue, aging buckets, recovered this month …)."""

    title = _("dashboard figure")
    parameter_name = "figure"

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _help) in FIGURES.items()]

    def queryset(self, request, queryset):
        return queryset if self.value() is None else figure_queryset(self.value(), queryset)
