"""The portal's URLs plus the bench's floor: a minimal Django view returning the same 50 rows (bench/api.py)."""

from django.http import JsonResponse
from django.urls import path

from acorn_portal.urls import urlpatterns as portal_urlpatterns
from developer.api.chargebacks import LIST_FIELDS
from refunds.models import Chargeback


def minimal_view(request):
    """No authentication, throttling, scoping or pagination: the page query and JsonResponse only."""
    rows = (
        Chargeback.objects.filter(account_id=request.GET["account"], state=request.GET["state"])
        .order_by("-issue_date", "-id")
        .values(*LIST_FIELDS)[:50]
    )
    return JsonResponse({"results": list(rows)})


urlpatterns = [*portal_urlpatterns, path("bench/minimal/", minimal_view)]
