"""Downloading an imported report file: only for members of its organization who may see imports.

Another organization's import answers 404, like one that does not exist; MEDIA_ROOT has no URL.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from acorn_portal.tenancy import perm_in_org
from acorn_portal.uploads import file_attachment
from datasources.models import FileImport


@require_GET
@login_required
def import_download(request, pk: int):
    """The stored report file, as an attachment under its (sanitised) uploaded name."""
    item = FileImport.objects.visible_to(request.user).select_related("account").filter(pk=pk).first()
    if item is None or not perm_in_org(request.user, "datasources.view_fileimport", item.account.organization_id):
        raise Http404(_("No such file."))
    if not item.file or item.file_removed_at:
        raise Http404(_("The file was removed under the organization's retention policy."))
    name = item.original_name or f"import-{item.pk}.{item.file.name.rsplit('.', 1)[-1]}"
    return file_attachment(item.file, name, item.content_type or "application/octet-stream")
