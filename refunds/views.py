"""File downloads: evidence and dispute packets, only for members of the case's organization.

Files are never reachable by URL under MEDIA_ROOT; these views are the only way out. Another
organization's file answers 404, exactly like a file that does not exist, so ids leak nothing.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from acorn_portal.tenancy import perm_in_org
from acorn_portal.uploads import file_attachment
from refunds.models import DisputePacket, Evidence


def _serve(model, perm: str, request, uuid):
    item = model.objects.visible_to(request.user).select_related("chargeback__account").filter(uuid=uuid).first()
    if item is None or not perm_in_org(request.user, perm, item.chargeback.account.organization_id):
        raise Http404(_("No such file."))
    name = getattr(item, "filename", "") or item.original_name or f"{item.uuid}.{item.extension}"
    return file_attachment(item.file, name, item.content_type)


@require_GET
@login_required
def evidence_download(request, uuid):
    """An evidence file, as an attachment."""
    return _serve(Evidence, "refunds.view_evidence", request, uuid)


@require_GET
@login_required
def packet_download(request, uuid):
    """A dispute packet ZIP, as an attachment."""
    return _serve(DisputePacket, "refunds.view_disputepacket", request, uuid)
