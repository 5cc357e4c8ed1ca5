"""Set-up pages: add a vendor account, add or change a data source with its kind's form, test the
connection, start the first sync and watch it. They work in the person's current organization;
rows of other organizations are "not found". Thin: rules in datasources.services.setup."""

from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from acorn_portal.models import VendorAccount
from acorn_portal.services.people import current_organization
from acorn_portal.tenancy import perm_in_org
from datasources.connectors.report_columns import ReportKind, mappable_fields
from datasources.connectors.report_files import ReportFileError, preview_headers
from datasources.forms_setup import SOURCE_FORMS, ColumnMappingFormSet, SampleFileForm, VendorAccountSetupForm
from datasources.models import DataSource, DataSourceKind
from datasources.services import mappings as mapping_service
from datasources.services import setup
from datasources.services.connection_check import check_connection

SECRETS = ("client_id", "client_secret", "refresh_token", "api_key")


def _page(request, template, title, **context):
    return render(
        request, f"datasources/setup/{template}", {**admin.site.each_context(request), "title": title, **context}
    )


def _organization(request, perm: str):
    organization = current_organization(request)
    if organization is None:
        raise Http404(_("You belong to no organization."))
    if not perm_in_org(request.user, perm, organization.pk):
        raise PermissionDenied(_("Your role in this organization does not allow this."))
    return organization


def _source(request, pk, perm="datasources.view_datasource") -> DataSource:
    organization = _organization(request, perm)
    return get_object_or_404(
        DataSource.objects.filter(account__organization=organization).select_related("account"), pk=pk
    )


@login_required
@require_GET
def sources(request):
    organization = _organization(request, "datasources.view_datasource")
    accounts = VendorAccount.objects.filter(organization=organization).prefetch_related("data_sources")
    return _page(
        request,
        "sources.html",
        f"Vendor accounts and data sources of {organization}",
        accounts=accounts,
        organization=organization,
        kinds=DataSourceKind.choices,
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_add(request):
    organization = _organization(request, "acorn_portal.add_vendoraccount")
    form = VendorAccountSetupForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        account = setup.add_vendor_account(actor=request.user, form=form)
        messages.success(
            request,
            _("%(account)s added: amounts in %(currency)s, deadlines in %(time_zone)s. Now add a data source.")
            % {"account": account, "currency": account.currency, "time_zone": account.time_zone},
        )
        return HttpResponseRedirect(reverse("setup:source-add") + f"?account={account.pk}")
    return _page(request, "account_form.html", _("Add a vendor account"), form=form)


@login_required
@sensitive_post_parameters(*SECRETS)
@require_http_methods(["GET", "POST"])
def source_add(request):
    organization = _organization(request, "datasources.add_datasource")
    kind = request.GET.get("kind") or request.POST.get("kind") or DataSourceKind.SPAPI_VENDOR
    if kind not in SOURCE_FORMS:
        raise Http404(_("Unknown kind of data source."))
    accounts = VendorAccount.objects.filter(organization=organization, is_active=True)
    form = SOURCE_FORMS[kind](request.POST or None, accounts=accounts, initial={"account": request.GET.get("account")})
    if request.method == "POST" and form.is_valid():
        source = setup.save_source(actor=request.user, form=form, request=request)
        messages.success(
            request, _("%(source)s saved. Test the connection, then start the first sync.") % {"source": source.name}
        )
        return HttpResponseRedirect(reverse("setup:source", args=[source.pk]))
    return _page(
        request,
        "source_form.html",
        "Add a data source",
        form=form,
        kind=kind,
        kinds=DataSourceKind.choices,
        adding=True,
    )


@login_required
@sensitive_post_parameters(*SECRETS)
@require_http_methods(["GET", "POST"])
def source_edit(request, pk):
    source = _source(request, pk, "datasources.change_datasource")
    accounts = VendorAccount.objects.filter(pk=source.account_id)
    form = SOURCE_FORMS[source.kind](request.POST or None, accounts=accounts, source=source)
    if request.method == "POST" and form.is_valid():
        setup.save_source(actor=request.user, form=form, request=request)
        messages.success(request, _("%(source)s saved.") % {"source": source.name})
        return HttpResponseRedirect(reverse("setup:source", args=[source.pk]))
    return _page(
        request, "source_form.html", f"Change {source.name}", form=form, kind=source.kind, source=source, adding=False
    )


@login_required
@require_GET
def source_detail(request, pk):
    source = _source(request, pk)
    progress = setup.progress(source)
    return _page(request, "source.html", source.name, source=source, progress=progress)


@login_required
@require_POST
def source_test(request, pk):
    source = _source(request, pk, "datasources.change_datasource")
    report = check_connection(source)
    (messages.success if report.ok else messages.error)(request, report.sentence)
    return HttpResponseRedirect(reverse("setup:source", args=[source.pk]))


@login_required
@require_POST
def source_sync(request, pk):
    source = _source(request, pk, "datasources.change_datasource")
    setup.start_sync(actor=request.user, source=source)
    messages.success(request, _("Sync started: the counts below grow page by page."))
    return HttpResponseRedirect(reverse("setup:source", args=[source.pk]))


@login_required
@require_GET
def mappings(request):
    organization = _organization(request, "datasources.view_columnmapping")
    kinds = [(kind, label, len(mapping_service.mappings_of(organization, kind))) for kind, label in ReportKind.choices]
    return _page(request, "mappings.html", _("Report-file column mappings"), kinds=kinds, organization=organization)


@login_required
@require_http_methods(["GET", "POST"])
def mappings_edit(request, kind):
    if kind not in ReportKind.values:
        raise Http404("Unknown kind of report.")
    organization = _organization(request, "datasources.view_columnmapping")
    stored = mapping_service.mappings_of(organization, kind)
    initial = [{"source_header": m.source_header, "field": m.field} for m in stored]
    # Posted rows stand on their own: with `initial` as well, a row left as stored would count as unchanged and
    # skip validation (a duplicate of it would go unnoticed).
    formset = ColumnMappingFormSet(
        request.POST or None, initial=None if request.POST else initial, form_kwargs={"kind": kind}, prefix="map"
    )
    sample_form = SampleFileForm(request.POST or None, request.FILES or None)
    preview = preview_error = None
    if request.method == "POST" and formset.is_valid() and sample_form.is_valid():
        sample = sample_form.cleaned_data.get("sample")
        if "save" in request.POST:
            try:
                mapping_service.replace_column_mappings(
                    actor=request.user, organization=organization, kind=kind, pairs=formset.pairs()
                )
            except ValidationError as exc:
                formset._non_form_errors = formset.error_class(exc.messages)
            else:
                messages.success(request, _("Column mappings saved: imports of this kind read them from now on."))
                return HttpResponseRedirect(reverse("setup:mappings-edit", args=[kind]))
        elif sample is None:
            preview_error = _("Choose a sample file to preview.")
        else:
            try:
                preview = preview_headers(sample.read(), kind=kind, mapping=dict(formset.pairs()))
            except ReportFileError as exc:
                preview_error = str(exc)
    return _page(
        request,
        "mappings_form.html",
        _("Column mappings: %(kind)s") % {"kind": ReportKind(kind).label},
        formset=formset,
        sample_form=sample_form,
        preview=preview,
        preview_error=preview_error,
        kind=kind,
        fields=mappable_fields(kind),
    )
