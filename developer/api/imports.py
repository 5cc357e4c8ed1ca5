"""`/api/v1/imports/` (report files) and `/api/v1/sync-runs/` (sync history, and starting a sync).

Both call datasources' own services: `queue_report_file` (stores the file and leaves parsing and
ingesting, all or nothing unless `partial`, to the task `datasources.tasks.run_file_import`) and the
django-q2 task `datasources.tasks.sync_account` (which holds the account's lease, so two runs never
overlap).
"""

from datetime import datetime
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django_q.tasks import async_task
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from acorn_portal import clock
from acorn_portal.models import VendorAccount
from acorn_portal.tenancy import perm_in_org
from datasources.connectors.report_columns import ReportKind
from datasources.models import FileImport, SyncLease, SyncRun
from datasources.services.imports import import_progress, queue_report_file
from developer.api.base import ApiViewSet
from developer.api.filters import Param, apply_filters, filter_parameters
from developer.api.money import page_of
from developer.api.pagination import page_size_parameter
from developer.api.problems import Conflict
from developer.scopes import Scope

FORM_OVERHEAD_BYTES = 64 * 1024  # the multipart framing and the small fields around the file
IMPORT_FIELDS = ("id", "account_id", "kind", "original_name", "size", "sha256", "partial", "status", "message",
                 "rows", "created", "updated", "unchanged", "rejected", "counts", "error_count", "duplicate_of_id",
                 "created_at", "finished_at")  # fmt: skip


def _import_changed_since(queryset, when):
    # An import changes when it is uploaded and when it finishes (its counts and errors are final then).
    return queryset.filter(Q(created_at__gte=when) | Q(finished_at__gte=when))


IMPORT_FILTERS = [
    Param(
        "updated_since",
        "",
        datetime,
        "Uploaded or finished at or after (ISO 8601). Poll with the time of your previous poll, minus a small "
        "overlap; `progress` of a running import is not a change.",
        method=_import_changed_since,
    )
]


def import_item(row: dict, *, with_errors: bool = False, errors=None) -> dict:
    item = {name: row[name] for name in IMPORT_FIELDS if name not in ("account_id", "duplicate_of_id")}
    item["account"] = row["account_id"]
    item["duplicate_of"] = row["duplicate_of_id"]
    item["progress"] = import_progress(import_id=row["id"], status=row["status"], rows=row["rows"])
    if with_errors:
        item["errors"] = errors or []
    return item


def scoped_account(view, raw) -> VendorAccount:
    """The vendor account named in the request, in the key's organization (else 404)."""
    try:
        account_id = int(raw)
    except (TypeError, ValueError):
        raise serializers.ValidationError({"account": ["Give the vendor account id (a number)."]}) from None
    account = view.scoped(VendorAccount.objects.all()).filter(pk=account_id).first()
    if account is None:
        raise NotFound(gettext("No such vendor account."))
    return account


class ImportUploadSerializer(serializers.Serializer):
    account = serializers.IntegerField(help_text="Vendor account id.")
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    file = serializers.FileField(help_text="CSV or XLSX as downloaded from Vendor Central.")
    partial = serializers.BooleanField(
        required=False, default=False, help_text="Import the good rows even if others have errors."
    )


class ImportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    account = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    original_name = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    partial = serializers.BooleanField()
    status = serializers.CharField(
        help_text="queued, processing (poll again), or finished: imported, partial, failed or rejected."
    )
    progress = inline_serializer(
        name="ImportProgress",
        fields={
            "rows_done": serializers.IntegerField(),
            "rows_total": serializers.IntegerField(allow_null=True, help_text="Known once the file is parsed."),
        },
    )
    message = serializers.CharField()
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField(help_text="Rows with errors: rows = created + updated + unchanged + rejected.")
    counts = serializers.JSONField()
    error_count = serializers.IntegerField()
    duplicate_of = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class ImportDetailSerializer(ImportSerializer):
    errors = inline_serializer(
        name="ImportRowError",
        many=True,
        fields={
            "sheet": serializers.CharField(),
            "row": serializers.IntegerField(),
            "column": serializers.CharField(),
            "value": serializers.CharField(),
            "why": serializers.CharField(),
        },
    )


class ImportViewSet(ApiViewSet):
    """Report file imports of the key's organization; an upload is a job the task cluster runs."""

    required_scopes = {"list": Scope.IMPORTS_WRITE, "retrieve": Scope.IMPORTS_WRITE, "create": Scope.IMPORTS_WRITE}
    ordering_fields = {"id": "id"}
    default_ordering = "-id"
    lookup_value_regex = r"[0-9]+"

    @staticmethod
    def max_body_bytes() -> int:
        return settings.ACORN_IMPORT_MAX_BYTES + FORM_OVERHEAD_BYTES

    def get_queryset(self):
        return self.scoped(FileImport.objects.all())

    @extend_schema(
        responses=page_of(ImportSerializer, "Import"),
        parameters=[
            *filter_parameters(IMPORT_FILTERS),
            OpenApiParameter("cursor", OpenApiTypes.STR),
            page_size_parameter(),
        ],
    )
    def list(self, request):
        imports = apply_filters(self.get_queryset(), request.query_params, IMPORT_FILTERS)
        return self.keyset_page(imports.values(*IMPORT_FIELDS), import_item)

    @extend_schema(responses=ImportDetailSerializer)
    def retrieve(self, request, pk=None):
        row = self.get_queryset().filter(pk=pk).values(*IMPORT_FIELDS, "errors").first()
        if row is None:
            raise NotFound(gettext("No such import."))
        return Response(import_item(row, with_errors=True, errors=row["errors"]))

    @extend_schema(request={"multipart/form-data": ImportUploadSerializer}, responses={202: ImportDetailSerializer})
    def create(self, request):
        """Store the file and answer 202 at once; the task cluster imports it. Poll the `Location` until
        `status` is no longer queued or processing."""
        data = ImportUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account = scoped_account(self, data.validated_data["account"])
        if not perm_in_org(request.user, "datasources.add_fileimport", account.organization_id):
            raise PermissionDenied(gettext("This key's role may not import report files."))
        file_import = queue_report_file(
            account=account,
            kind=data.validated_data["kind"],
            file=data.validated_data["file"],
            user=request.user,
            partial=data.validated_data["partial"],
        )
        row = FileImport.objects.filter(pk=file_import.pk).values(*IMPORT_FIELDS, "errors").get()
        location = reverse("api:import-detail", kwargs={"pk": file_import.pk})
        body = import_item(row, with_errors=True, errors=row["errors"])
        return Response(body, status=202, headers={"Location": location})


RUN_FIELDS = ("id", "account_id", "data_source_id", "data_source__kind", "status", "trigger", "started_at",
              "finished_at", "pages", "counts", "errors")  # fmt: skip


def _run_changed_since(queryset, when):
    # A run changes when it starts and when it ends (its status, counts and errors are final then).
    return queryset.filter(Q(started_at__gte=when) | Q(finished_at__gte=when))


RUN_FILTERS = [
    Param(
        "updated_since",
        "",
        datetime,
        "Started or finished at or after (ISO 8601); the pages and counts of a running sync are not a change.",
        method=_run_changed_since,
    )
]


def run_item(row: dict) -> dict:
    return {
        "id": row["id"],
        "account": row["account_id"],
        "data_source": row["data_source_id"],
        "source_kind": row["data_source__kind"],
        "status": row["status"],
        "trigger": row["trigger"],
        "started_at": row["started_at"],
        "finished_at": row["finished_at"],
        "pages": row["pages"],
        "counts": row["counts"],
        "errors": row["errors"],
    }


class SyncRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    account = serializers.IntegerField()
    data_source = serializers.IntegerField()
    source_kind = serializers.CharField()
    status = serializers.CharField(help_text="running, succeeded, failed or interrupted.")
    trigger = serializers.CharField()
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    pages = serializers.IntegerField()
    counts = serializers.JSONField()
    errors = serializers.JSONField()


class SyncTriggerSerializer(serializers.Serializer):
    account = serializers.IntegerField(help_text="Vendor account id.")


class SyncRunViewSet(ApiViewSet):
    """Sync runs of the key's organization, and `POST` to start one for an account."""

    required_scopes = {"list": Scope.SYNC_RUN, "retrieve": Scope.SYNC_RUN, "create": Scope.SYNC_RUN}
    ordering_fields = {"id": "id"}
    default_ordering = "-id"
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return self.scoped(SyncRun.objects.all())

    @extend_schema(
        responses=page_of(SyncRunSerializer, "SyncRun"),
        parameters=[
            OpenApiParameter("account", OpenApiTypes.INT),
            *filter_parameters(RUN_FILTERS),
            OpenApiParameter("cursor", OpenApiTypes.STR),
            page_size_parameter(),
        ],
    )
    def list(self, request):
        queryset = apply_filters(self.get_queryset(), request.query_params, RUN_FILTERS)
        account = request.query_params.get("account")
        if account:
            queryset = queryset.filter(account_id=scoped_account(self, account).pk)
        return self.keyset_page(queryset.values(*RUN_FIELDS), run_item)

    @extend_schema(responses=SyncRunSerializer)
    def retrieve(self, request, pk=None):
        row = self.get_queryset().filter(pk=pk).values(*RUN_FIELDS).first()
        if row is None:
            raise NotFound(gettext("No such sync run."))
        return Response(run_item(row))

    @extend_schema(
        request=SyncTriggerSerializer,
        responses={
            202: inline_serializer(
                name="SyncQueued", fields={"account": serializers.IntegerField(), "status": serializers.CharField()}
            )
        },
    )
    def create(self, request):
        data = SyncTriggerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account = scoped_account(self, data.validated_data["account"])
        # The portal's "Sync now" needs the right to change data sources; a key needs the same role.
        if not perm_in_org(request.user, "datasources.change_datasource", account.organization_id):
            raise PermissionDenied(gettext("This key's role may not start a sync (the portal requires an admin)."))
        if not account.is_active:
            raise Conflict(gettext("This vendor account is inactive."))
        busy = SyncLease.objects.filter(account=account, expires_at__gt=clock.now()).exclude(owner="").exists()
        if busy:
            raise Conflict(
                "A sync of this account is already running; poll sync-runs/ for its result.", code="sync_running"
            )
        # The task claims the account's lease itself, so a race between two triggers still runs one sync.
        transaction.on_commit(
            partial(
                async_task, "datasources.tasks.sync_account", account.pk, "api", task_name=f"sync account {account.pk}"
            )
        )
        return Response({"account": account.pk, "status": "queued"}, status=202)
