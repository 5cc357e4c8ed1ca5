"""Building blocks for every ACORN admin class: tenant scoping, read-only facts, large-table defaults.

The admin is the portal, so it is where one organization's staff would see another's data if a
single admin class forgot a filter. Subclass these instead of `admin.ModelAdmin`:

- `TenantScopedAdmin` (or `TenantScopedHistoryAdmin` for models with django-simple-history): rows,
  form choices, list filters, autocomplete, actions and object pages are limited to the organizations
  whose role grants the permission; anything else is "not found".
- `ReadOnlyFactsAdmin` / `ReadOnlyFactsHistoryAdmin`: Vendor Central documents that sync writes and
  people only read; no add, no delete, no change, for superusers too.
- `ReadOnlyTabularInline`: read-only lines of a document.

tests/acorn_portal/test_admin_scoping.py walks every registered admin to hold them to this.
"""

from django.contrib import admin
from django.contrib.admin.options import TO_FIELD_VAR, IncorrectLookupParameters
from django.contrib.admin.utils import get_fields_from_path, get_model_from_relation, quote, unquote
from django.contrib.auth import get_permission_codename, get_user_model
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connections, models
from django.urls import NoReverseMatch, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from acorn_portal.exports import ExportMixin
from acorn_portal.marketplaces import MARKETPLACES
from acorn_portal.models import VendorAccount
from acorn_portal.money import Money, MoneyError
from acorn_portal.tenancy import (
    is_tenant_owned,
    organization_id_of,
    organization_ids_for,
    organizations_with_perm,
    restrict_to_organizations,
)

# --------------------------------------------------------------------------------------------------
# Which organizations a user may act in


def scope_choices(queryset, user):
    """What a user may pick or filter by: rows of their organizations, and users who share one.

    Models that belong to no organization (groups, shared reference data) are left as they are.
    """
    model = queryset.model
    if is_tenant_owned(model):
        return restrict_to_organizations(queryset, organization_ids_for(user))
    if model is get_user_model():
        org_ids = organization_ids_for(user)
        if org_ids is None:
            return queryset
        return queryset.filter(memberships__organization_id__in=org_ids).distinct()
    return queryset


# --------------------------------------------------------------------------------------------------
# Counting without COUNT(*) over a million rows (docs/decisions/0006-admin-at-a-million-rows.md)


class AtLeastCount(int):
    """A lower bound: more rows exist than were counted."""

    exact = False

    def __str__(self):
        return f"{int(self):,}+"


class EstimatedCount(int):
    """The planner's estimate of a table's size."""

    exact = False

    def __str__(self):
        return f"~{int(self):,}"


class EstimatedCountPaginator(Paginator):
    """A paginator that never counts a whole large table.

    An unfiltered queryset on PostgreSQL takes the planner's row estimate (`pg_class.reltuples`);
    anything else is counted up to `cap` + 1 rows in a LIMITed subquery and shown as "10,000+".
    Pages past an inexact count stay reachable: the last page is not cut to the count.
    """

    cap = 10_000

    @cached_property
    def count(self):
        queryset = self.object_list
        if not isinstance(queryset, models.QuerySet):
            return super().count
        estimate = self._table_estimate(queryset)
        if estimate is not None and estimate > self.cap:
            return EstimatedCount(estimate)
        counted = queryset.order_by()[: self.cap + 1].count()
        return AtLeastCount(self.cap) if counted > self.cap else counted

    def _table_estimate(self, queryset) -> int | None:
        query = queryset.query
        connection = connections[queryset.db]
        if connection.vendor != "postgresql" or query.where or query.is_sliced or query.distinct or query.combinator:
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
                [connection.ops.quote_name(queryset.model._meta.db_table)],
            )
            row = cursor.fetchone()
        # reltuples is -1 until the table was first analyzed.
        return row[0] if row and row[0] is not None and row[0] >= 0 else None

    def _is_exact(self) -> bool:
        return getattr(self.count, "exact", True)

    def validate_number(self, number):
        if self._is_exact():
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number

    def page(self, number):
        if self._is_exact():
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom : bottom + self.per_page], number, self)


# --------------------------------------------------------------------------------------------------
# List filters that list only what the user may see


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """Django's foreign-key filter lists every row of the related table; this one only visible rows."""

    def field_choices(self, field, request, model_admin):
        related_model = get_model_from_relation(field)
        queryset = scope_choices(related_model._default_manager.all(), request.user)
        if hasattr(field, "get_limit_choices_to"):
            queryset = queryset.complex_filter(field.get_limit_choices_to())
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            queryset = queryset.order_by(*ordering)
        target = getattr(getattr(field, "target_field", None), "attname", "pk")
        return [(getattr(obj, target, obj.pk), str(obj)) for obj in queryset]


class ScopedAllValuesFieldListFilter(admin.AllValuesFieldListFilter):
    """Django takes the values of a field across a relation from the whole related table."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.lookup_choices = (
            model_admin.get_queryset(request).order_by(field_path).values_list(field_path, flat=True).distinct()
        )


def scoped_list_filter(model, spec):
    """Swap Django's default filters that would list other organizations' rows for scoped ones."""
    if isinstance(spec, str):
        path, filter_class = spec, None
    elif isinstance(spec, (list, tuple)):
        path, filter_class = spec
    else:
        return spec  # a SimpleListFilter: its author decides what it lists
    if filter_class not in (None, admin.RelatedFieldListFilter, admin.AllValuesFieldListFilter):
        return spec
    field = get_fields_from_path(model, path)[-1]
    if field.is_relation:
        related = get_model_from_relation(field)
        if is_tenant_owned(related) or related is get_user_model():
            return (path, ScopedRelatedFieldListFilter)
        return spec
    plain = field.choices or isinstance(field, (models.BooleanField, models.DateField))
    if "__" in path and (filter_class is admin.AllValuesFieldListFilter or not plain):
        return (path, ScopedAllValuesFieldListFilter)
    return spec


class ThroughAccountFilter(admin.SimpleListFilter):
    """A filter on the vendor account; `for_path("invoice__account")` for models that reach it further."""

    account_path = "account"

    @classmethod
    def for_path(cls, path: str):
        return type(cls.__name__, (cls,), {"account_path": path})


class AccountListFilter(ThroughAccountFilter):
    """Vendor accounts the user can see, and nothing else (Django's own filter would list every account)."""

    title = _("vendor account")
    parameter_name = "account"

    def lookups(self, request, model_admin):
        accounts = list(VendorAccount.objects.visible_to(request.user).select_related("organization"))
        several_orgs = len({account.organization_id for account in accounts}) > 1
        return [
            (account.pk, f"{account.organization} · {account}" if several_orgs else str(account))
            for account in accounts
        ]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        try:
            account_id = int(self.value())
        except ValueError:
            raise IncorrectLookupParameters(f"Unknown vendor account {self.value()!r}.") from None
        return queryset.filter(**{f"{self.account_path}_id": account_id})


class OrganizationListFilter(ThroughAccountFilter):
    """The organizations the user belongs to (offered when there are several, always applied when given)."""

    title = _("organization")
    parameter_name = "organization"

    def lookups(self, request, model_admin):
        from acorn_portal.models import Organization

        organizations = list(Organization.objects.visible_to(request.user).order_by("name")[:200])
        if len(organizations) < 2 and self.value() is None:
            return []
        return [(organization.pk, str(organization)) for organization in organizations]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        try:
            organization_id = int(self.value())
        except ValueError:
            raise IncorrectLookupParameters(f"Unknown organization {self.value()!r}.") from None
        return queryset.filter(**{f"{self.account_path}__organization_id": organization_id})


class MarketplaceListFilter(ThroughAccountFilter):
    """Marketplaces of the user's vendor accounts (not all twenty-odd Amazon has)."""

    title = _("marketplace")
    parameter_name = "marketplace"

    def lookups(self, request, model_admin):
        codes = (
            VendorAccount.objects.visible_to(request.user).order_by("marketplace").values_list("marketplace", flat=True)
        )
        return [(code, MARKETPLACES[code].name if code in MARKETPLACES else code) for code in codes.distinct()]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.filter(**{f"{self.account_path}__marketplace": self.value()})


class AmountRangeFilter(admin.FieldListFilter):
    """Buckets by the size of an amount, whichever its sign (invoices and remittances carry debits as negatives).

    Amounts are compared in each document's own currency; combine with the marketplace filter to
    compare like with like.
    """

    buckets = {
        "0-100": (0, 100, _("under 100")),
        "100-1000": (100, 1_000, _("100 to 1,000")),
        "1000-10000": (1_000, 10_000, _("1,000 to 10,000")),
        "10000-": (10_000, None, _("10,000 and over")),
    }

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.parameter_name = f"{field_path}_size"
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = format_lazy(_("{} (size)"), self.title)

    def expected_parameters(self):
        return [self.parameter_name]

    def value(self):
        values = self.used_parameters.get(self.parameter_name)
        return values[-1] if values else None

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        if self.value() not in self.buckets:
            raise IncorrectLookupParameters(f"Unknown amount range {self.value()!r}.")
        low, high, _label = self.buckets[self.value()]
        positive = models.Q(**{f"{self.field_path}__gte": low})
        negative = models.Q(**{f"{self.field_path}__lte": -low})
        if high is not None:
            positive &= models.Q(**{f"{self.field_path}__lt": high})
            negative &= models.Q(**{f"{self.field_path}__gt": -high})
        return queryset.filter(positive | negative)

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("All"),
        }
        for key, (_low, _high, label) in self.buckets.items():
            yield {
                "selected": self.value() == key,
                "query_string": changelist.get_query_string({self.parameter_name: key}),
                "display": label,
            }


# --------------------------------------------------------------------------------------------------
# Display helpers


def money_column(amount_field: str = "amount", currency_field: str = "currency", *, description: str | None = None):
    """A list_display / readonly_fields column showing an amount with its currency ("1,234.50 USD")."""

    # The field's own name (catalogued with the model labels) unless a description is given.
    @admin.display(description=description or gettext_lazy(amount_field.replace("_", " ")), ordering=amount_field)
    def column(model_admin, obj):
        amount = getattr(obj, amount_field)
        if amount is None:
            return model_admin.get_empty_value_display()
        try:
            return Money(amount, getattr(obj, currency_field)).localized()
        except MoneyError:
            # A bad currency code must not take the whole page down; show what sync stored.
            return f"{amount} {getattr(obj, currency_field)}"

    return column


def admin_link(obj, text=None, *, missing: str = "—"):
    """A link to an object's admin page, or its plain text when the model has no admin page."""
    if obj is None:
        return missing
    opts = obj._meta
    try:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(obj.pk)])
    except NoReverseMatch:
        return str(text or obj)
    return format_html('<a href="{}">{}</a>', url, text or obj)


# --------------------------------------------------------------------------------------------------
# Admin classes


class LargeTableMixin:
    """Changelist settings for tables that reach a million rows (docs/decisions/0006-admin-at-a-million-rows.md).

    Subclasses still set `list_select_related` for the foreign keys in their `list_display`.
    """

    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator
    list_per_page = 50


class TenantScopedFormfieldsMixin:
    """Foreign-key and many-to-many choices limited to the user's organizations (shared by inlines)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = self._scoped_field_queryset(db_field, request, kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = self._scoped_field_queryset(db_field, request, kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _scoped_field_queryset(self, db_field, request, using):
        queryset = self.get_field_queryset(using, db_field, request)
        if queryset is None:
            queryset = db_field.remote_field.model._default_manager.using(using).all()
        return scope_choices(queryset, request.user)


class TenantScopedAdmin(ExportMixin, LargeTableMixin, TenantScopedFormfieldsMixin, admin.ModelAdmin):
    """A ModelAdmin that shows and acts on rows of the user's organizations only.

    The model names its path to `Organization` in `tenant_path`. Rows are those of the organizations
    where the user's role grants view (or change) on the model; change and delete need the role's
    permission in the object's own organization. An object outside them is "not found" (a redirect
    to the admin index, as for a deleted object), so a guessed id tells nothing.
    """

    def __init__(self, model, admin_site):
        if not is_tenant_owned(model):
            raise ImproperlyConfigured(
                f"{model.__name__} has no tenant_path; TenantScopedAdmin cannot tell whose rows it holds."
            )
        super().__init__(model, admin_site)

    # -- which organizations ------------------------------------------------------------------------

    def organizations_for(self, request, *actions: str) -> set[int] | None:
        """Organizations where the user's role grants any of `actions` ("view", "add", ...) on this model."""
        allowed: set[int] = set()
        for action in actions:
            perm = f"{self.opts.app_label}.{get_permission_codename(action, self.opts)}"
            org_ids = organizations_with_perm(request.user, perm)
            if org_ids is None:
                return None
            allowed |= org_ids
        return allowed

    def in_organizations(self, request, obj, *actions: str) -> bool:
        allowed = self.organizations_for(request, *actions)
        return allowed is None or organization_id_of(obj) in allowed

    def scope_queryset(self, request, queryset):
        return restrict_to_organizations(queryset, self.organizations_for(request, "view", "change"))

    # -- rows ---------------------------------------------------------------------------------------

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request))

    def get_search_results(self, request, queryset, search_term):
        # Scoped again because autocomplete and custom callers pass their own querysets.
        return super().get_search_results(request, self.scope_queryset(request, queryset), search_term)

    def get_list_filter(self, request):
        return [scoped_list_filter(self.model, spec) for spec in super().get_list_filter(request)]

    # -- permissions --------------------------------------------------------------------------------

    def has_view_permission(self, request, obj=None):
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or self.in_organizations(request, obj, "view", "change")

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or self.in_organizations(request, obj, "change")

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or self.in_organizations(request, obj, "delete")

    def has_add_permission(self, request):
        if not super().has_add_permission(request):
            return False
        return self.organizations_for(request, "add") != set()

    # -- forms --------------------------------------------------------------------------------------

    @property
    def owner_field(self) -> str | None:
        """The foreign key that decides a new row's organization (first hop of `tenant_path`)."""
        path = self.model.tenant_path
        return None if path == "id" else path.split("__")[0]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        field = form.base_fields.get(self.owner_field) if self.owner_field else None
        if field is not None and hasattr(field, "queryset"):
            # Only where the role may write: an admin here who is operations there may not add there.
            allowed = self.organizations_for(request, "change" if obj is not None else "add")
            field.queryset = restrict_to_organizations(field.queryset, allowed)
            choices = list(field.queryset[:2])
            if len(choices) == 1 and field.initial is None:
                field.initial = choices[0].pk  # most people belong to one organization
        return form

    def save_model(self, request, obj, form, change):
        # Defence in depth for forms that set the owner some other way than the scoped field.
        if not self.in_organizations(request, obj, "change" if change else "add"):
            raise PermissionDenied
        super().save_model(request, obj, form, change)

    # -- object pages: outside the user's organizations means "not found" --------------------------

    def not_found_response(self, request, object_id):
        """A redirect as for a deleted object when the object is not in the user's scope, else None."""
        to_field = request.POST.get(TO_FIELD_VAR, request.GET.get(TO_FIELD_VAR))
        if to_field and not self.to_field_allowed(request, to_field):
            return None  # Django's view refuses the field itself
        if self.get_object(request, unquote(object_id), to_field) is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return None

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return self.not_found_response(request, object_id) or super().change_view(
            request, object_id, form_url, extra_context
        )

    def delete_view(self, request, object_id, extra_context=None):
        return self.not_found_response(request, object_id) or super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        return self.not_found_response(request, object_id) or super().history_view(request, object_id, extra_context)


class TenantScopedHistoryAdmin(TenantScopedAdmin, SimpleHistoryAdmin):
    """TenantScopedAdmin for models with `HistoricalRecords`: the history pages are scoped too.

    simple-history's version page saves ("reverts") a POST after checking only the view permission;
    here a revert needs the change permission on the object, so read-only users cannot rewrite rows.
    """

    def history_view(self, request, object_id, extra_context=None):
        if organization_ids_for(request.user) is None:
            # Superusers also read the history of deleted objects (simple-history's own behaviour);
            # for anyone else whose a deleted object was cannot be checked, so it is not found.
            return SimpleHistoryAdmin.history_view(self, request, object_id, extra_context)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if organization_ids_for(request.user) is not None:
            response = self.not_found_response(request, object_id)
            if response is not None:
                return response
        if request.method == "POST" and not self.has_change_permission(
            request, self.get_object(request, unquote(object_id))
        ):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyFactsMixin:
    """Facts that sync writes and people only read: no add, no delete, no change, superusers included.

    When a model later gains fields that people drive (a workflow), list them in `editable_fields`:
    the change permission then applies and only those fields are editable.
    """

    editable_fields: tuple[str, ...] = ()

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return bool(self.editable_fields) and super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        facts = [f.name for f in self.model._meta.concrete_fields if not f.primary_key]
        declared = [name for name in super().get_readonly_fields(request, obj) if name not in facts]
        return [name for name in facts if name not in self.editable_fields] + declared


class ReadOnlyFactsAdmin(ReadOnlyFactsMixin, TenantScopedAdmin):
    """Admin for a synced Vendor Central document."""


class ReadOnlyFactsHistoryAdmin(ReadOnlyFactsMixin, TenantScopedHistoryAdmin):
    """Admin for a synced document with `HistoricalRecords`."""


class ReadOnlyTabularInline(TenantScopedFormfieldsMixin, admin.TabularInline):
    """Lines of a document, shown read-only under it; `list_select_related` avoids a query per row."""

    extra = 0
    can_delete = False
    show_change_link = True
    list_select_related: tuple[str, ...] = ()

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset.select_related(*self.list_select_related) if self.list_select_related else queryset

    def get_readonly_fields(self, request, obj=None):
        # Every listed column, so computed and non-editable ones need no separate declaration.
        return (*(self.fields or ()), *self.readonly_fields)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
