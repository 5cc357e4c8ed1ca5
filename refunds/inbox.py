"""The inbox page: a person's notifications, newest first, and marking them read. Thin: the rules are in
`refunds.services.notifications`."""

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from refunds.models import Notification
from refunds.services.notifications import mark_read

app_name = "inbox"

PAGE = 100


def inbox_header_link(request):
    """ "Inbox 3" in the header of every portal page."""
    from refunds.services.notifications import unread_count

    return format_html(
        '<a href="{}" id="inbox-link">{} <span id="inbox-unread" class="inbox-count">{}</span></a>',
        reverse("inbox:list"),
        _("Inbox"),
        unread_count(request.user),
    )


@login_required
def inbox(request):
    items = Notification.objects.for_user(request.user).select_related("chargeback")[:PAGE]
    context = {**admin.site.each_context(request), "title": _("Inbox"), "notifications": items}
    return TemplateResponse(request, "refunds/inbox.html", context)


@require_POST
@login_required
def read(request):
    """Mark the chosen notifications read, or all of them with `all`."""
    ids = None if "all" in request.POST else [int(i) for i in request.POST.getlist("id") if i.isdigit()]
    mark_read(user=request.user, ids=ids)
    return HttpResponseRedirect(reverse("inbox:list"))


urlpatterns = [
    path("", inbox, name="list"),
    path("read/", read, name="read"),
]
