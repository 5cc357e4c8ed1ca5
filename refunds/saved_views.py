"""Saved case-list views: a person names the list's current filters and search, and picks them again.

The case list shows the person's views and a "Save this view" form (admin/refunds/chargeback/change_list.html);
these two POST endpoints keep them. Per person, per organization (refunds.models.SavedView).
"""

from urllib.parse import parse_qsl, urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from acorn_portal.tenancy import organization_ids_for
from refunds.models import SavedView

app_name = "saved_views"

# The list's page and popup flags are where someone was, not what they filter on.
NOT_SAVED = {"p", "_popup", "_to_field", "all"}
LIMIT = 50


class SaveViewForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("View name"), max_length=80)
    query = forms.CharField(required=False, max_length=1000)


def clean_query(query: str) -> str:
    return urlencode([(key, value) for key, value in parse_qsl(query, keep_blank_values=True) if key not in NOT_SAVED])


def case_list() -> str:
    return reverse("admin:refunds_chargeback_changelist")


def views_for(request) -> list:
    """The person's views for the case list (one query)."""
    if not request.user.is_authenticated:
        return []
    return [
        {"pk": view.pk, "name": view.name, "url": f"{case_list()}?{view.query}" if view.query else case_list()}
        for view in SavedView.objects.for_user(request.user)[:LIMIT]
    ]


@require_POST
@login_required
def save(request):
    form = SaveViewForm(request.POST)
    org_ids = organization_ids_for(request.user)
    if not request.user.has_perm("refunds.view_chargeback") or not form.is_valid():
        messages.error(request, _("Give the view a name."))
        return HttpResponseRedirect(case_list())
    query = clean_query(form.cleaned_data["query"])
    if org_ids is None or len(org_ids) != 1:
        # A view belongs to one organization: its filters name that organization's accounts and teams.
        messages.error(request, _("Switch to one organization to save a view."))
        return HttpResponseRedirect(f"{case_list()}?{query}")
    if SavedView.objects.for_user(request.user).count() >= LIMIT:
        messages.error(request, _("You have %(limit)d saved views; delete one first.") % {"limit": LIMIT})
        return HttpResponseRedirect(f"{case_list()}?{query}")
    SavedView.objects.update_or_create(
        organization_id=org_ids[0], owner=request.user, name=form.cleaned_data["name"], defaults={"query": query}
    )
    messages.success(request, _("View “%(name)s” saved.") % {"name": form.cleaned_data["name"]})
    return HttpResponseRedirect(f"{case_list()}?{query}")


@require_POST
@login_required
def delete(request, pk: int):
    view = SavedView.objects.for_user(request.user).filter(pk=pk).first()
    if view is None:
        raise Http404(_("No such view."))
    view.delete()
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return HttpResponseRedirect(case_list())


urlpatterns = [
    path("", save, name="save"),
    path("<int:pk>/delete/", delete, name="delete"),
]
