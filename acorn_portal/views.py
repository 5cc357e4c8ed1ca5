"""Core pages: the start-page redirects and the status page."""

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from acorn_portal.status import build_sections
from acorn_portal.tenancy import organization_ids_for


@require_GET
def start(request):
    """`/` and the admin index lead to the dashboard; the admin's app list stays at /admin/apps/."""
    return redirect("dashboard:index")


@require_GET
@login_required
def status(request):
    """Sync freshness, the task cluster and whatever else apps registered (acorn_portal.status)."""
    context = {
        **admin.site.each_context(request),
        "title": "Status",
        "sections": build_sections(request, organization_ids_for(request.user)),
    }
    return render(request, "acorn/status.html", context)
