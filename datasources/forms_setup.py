"""Forms to set up a vendor account and its data sources without JSON: one form per connector kind.

Secrets are write-only: the fields never show what is stored, and leaving them empty keeps it.
Settings the connector reads (datasources.connectors.spapi / data_feed) are written from named fields;
report-file column mappings are rows of a formset, one header and one field each.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from acorn_portal.marketplaces import MARKETPLACE_CHOICES, SP_API_ENDPOINTS, Region
from acorn_portal.models import VendorAccount
from acorn_portal.outbound import OutboundRefused, check_url
from datasources.connectors.report_columns import header_key, mappable_fields
from datasources.models import DataSource, DataSourceKind
from datasources.services.imports import check_report_file


class VendorAccountSetupForm(forms.ModelForm):
    """Name, marketplace, vendor codes and payment terms; currency and time zone follow the marketplace."""

    class Meta:
        model = VendorAccount
        fields = ("name", "marketplace", "vendor_codes", "payment_terms_net_days")
        help_texts = {
            "marketplace": _("The currency and the time zone of deadlines follow from it."),
            "payment_terms_net_days": _(
                "Days after the invoice date Amazon pays you (e.g. 60 for net 60), as in your vendor agreement. "
                "Leave empty if you do not know."
            ),
        }

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.instance.organization = organization
        self.fields["marketplace"].choices = [("", "—")] + MARKETPLACE_CHOICES

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if (
            VendorAccount.objects.filter(organization=self.organization, name=name)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            raise forms.ValidationError(_("You have a vendor account with this name already."))
        return name


def _secret(label, help_text="") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=True,
        help_text=help_text,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )


def _checked_url(value: str) -> str:
    if value:
        try:
            check_url(value)
        except OutboundRefused as exc:
            raise forms.ValidationError(str(exc)) from None
    return value


class SourceFormBase(forms.Form):
    """What every source has; subclasses add their connector's settings and secrets."""

    kind: str = ""
    secret_names: tuple[str, ...] = ()

    name = forms.CharField(max_length=120)
    account = forms.ModelChoiceField(queryset=VendorAccount.objects.none(), label=_("Vendor account"))
    schedule_minutes = forms.IntegerField(label=_("Sync every (minutes)"), min_value=5, initial=60)
    enabled = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args, accounts, source: DataSource | None = None, **kwargs):
        self.source = source
        if source is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(source)
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts
        if source is not None:
            self.fields["account"].disabled = True  # a source never moves to another account's data
            for name in self.secret_names:
                self.fields[name].help_text = (
                    "Stored (not shown). Leave empty to keep it." if source.has_credentials else ""
                )
        for name in self.secret_names:
            self.fields[name].required = source is None

    def initial_from(self, source: DataSource) -> dict:
        return {
            "name": source.name,
            "account": source.account_id,
            "schedule_minutes": source.schedule_minutes,
            "enabled": source.enabled,
        }

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        account = self.source.account if self.source else self.data.get(self.add_prefix("account"))
        clash = DataSource.objects.filter(account=account, name=name)
        if self.source is not None:
            clash = clash.exclude(pk=self.source.pk)
        if account and clash.exists():
            raise forms.ValidationError(_("This vendor account has a data source with this name already."))
        return name

    def connector_settings(self) -> dict:
        raise NotImplementedError

    @sensitive_variables("values")
    def secrets(self) -> dict | None:
        """New credentials, merged over the stored ones; None when nothing was typed."""
        values = {name: self.cleaned_data[name] for name in self.secret_names if self.cleaned_data.get(name)}
        if not values:
            return None
        stored = self.source.credential_values() if self.source else {}
        return {**stored, **values}


class SpApiSourceForm(SourceFormBase):
    kind = DataSourceKind.SPAPI_VENDOR
    secret_names = ("client_id", "client_secret", "refresh_token")

    app_id = forms.CharField(
        label=_("SP-API application id"),
        max_length=100,
        required=False,
        help_text=_("amzn1.sp.solution.… (for reference)."),
    )
    client_id = _secret("LWA client id", "From the app's Login with Amazon credentials.")
    client_secret = _secret("LWA client secret")
    refresh_token = _secret("Refresh token", "Issued when the Vendor Central account authorized the app.")
    region = forms.ChoiceField(
        label=_("Region endpoint"),
        choices=[("", "The account's region (from its marketplace)")]
        + [(region, f"{Region(region).label}: {url}") for region, url in SP_API_ENDPOINTS.items()]
        + [("custom", "Another address (a sandbox, a proxy, the simulator)")],
        required=False,
    )
    endpoint = forms.URLField(label=_("Other address"), required=False, assume_scheme="https")
    token_url = forms.URLField(
        label=_("LWA token URL"),
        required=False,
        assume_scheme="https",
        help_text=_("Empty: Amazon's (api.amazon.com)."),
    )
    lookback_days = forms.IntegerField(label=_("First sync reads back (days)"), min_value=1, max_value=400, initial=180)

    def initial_from(self, source):
        s = source.settings
        region = next((r for r, url in SP_API_ENDPOINTS.items() if url == s.get("endpoint")), "")
        custom = s.get("endpoint") and not region
        return {
            **super().initial_from(source),
            "app_id": s.get("app_id", ""),
            "region": "custom" if custom else region,
            "endpoint": s.get("endpoint", "") if custom else "",
            "token_url": s.get("token_url", ""),
            "lookback_days": s.get("lookback_days", 180),
        }

    def clean_endpoint(self):
        return _checked_url(self.cleaned_data["endpoint"])

    def clean_token_url(self):
        return _checked_url(self.cleaned_data["token_url"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("region") == "custom" and not cleaned.get("endpoint"):
            self.add_error("endpoint", _("Give the address, or pick a region."))
        return cleaned

    def connector_settings(self) -> dict:
        data = self.cleaned_data
        settings = dict(self.source.settings) if self.source else {}
        for key in ("app_id", "endpoint", "token_url"):
            settings.pop(key, None)
        if data["region"] == "custom":
            settings["endpoint"] = data["endpoint"]
        elif data["region"]:
            settings["endpoint"] = SP_API_ENDPOINTS[data["region"]]
        if data["token_url"]:
            settings["token_url"] = data["token_url"]
        if data["app_id"]:
            settings["app_id"] = data["app_id"]
        settings["lookback_days"] = data["lookback_days"] or 180
        return settings


class DataFeedSourceForm(SourceFormBase):
    kind = DataSourceKind.DATA_FEED
    secret_names = ("api_key",)

    base_url = forms.URLField(label=_("Feed URL"), assume_scheme="https", help_text=_("The service's base address."))
    api_key = _secret("API key (token)")
    api_key_header = forms.CharField(label=_("Header for the key"), initial="X-Api-Key", max_length=60)

    def initial_from(self, source):
        s = source.settings
        return {
            **super().initial_from(source),
            "base_url": s.get("base_url", ""),
            "api_key_header": s.get("api_key_header", "X-Api-Key"),
        }

    def clean_base_url(self):
        return _checked_url(self.cleaned_data["base_url"])

    def connector_settings(self) -> dict:
        settings = dict(self.source.settings) if self.source else {}
        settings["base_url"] = self.cleaned_data["base_url"]
        settings["api_key_header"] = self.cleaned_data["api_key_header"] or "X-Api-Key"
        return settings


SOURCE_FORMS = {form.kind: form for form in (SpApiSourceForm, DataFeedSourceForm)}


class ColumnMappingRowForm(forms.Form):
    """One of the vendor's headers and the ACORN field it holds."""

    source_header = forms.CharField(label=_("Header in your file"), max_length=200, required=False)
    field = forms.ChoiceField(label=_("ACORN field"), required=False)

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [("", "—")] + [
            (name, f"{label} ({name})") for name, label in mappable_fields(kind)
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("source_header", "").strip() and not cleaned.get("field"):
            self.add_error("field", _("Pick the field this column holds."))
        if cleaned.get("field") and not cleaned.get("source_header", "").strip():
            self.add_error("source_header", _("Give the header as it appears in the file."))
        return cleaned


class BaseColumnMappingFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            key = header_key(form.cleaned_data.get("source_header", ""))
            if key and key in seen:
                raise forms.ValidationError(
                    _("The header %(header)s is mapped twice.") % {"header": form.cleaned_data["source_header"]}
                )
            seen.add(key)

    def pairs(self) -> list[tuple[str, str]]:
        """(header, field) of the filled rows, those ticked for removal left out."""
        return [
            (form.cleaned_data["source_header"].strip(), form.cleaned_data["field"])
            for form in self.forms
            if form.cleaned_data.get("source_header", "").strip() and not form.cleaned_data.get("DELETE")
        ]


ColumnMappingFormSet = forms.formset_factory(
    ColumnMappingRowForm, formset=BaseColumnMappingFormSet, extra=3, can_delete=True
)


class SampleFileForm(forms.Form):
    sample = forms.FileField(
        label=_("Sample file"),
        required=False,
        help_text=_("A report of this kind as Vendor Central gave it: the preview says how each header is read."),
    )

    def clean_sample(self):
        sample = self.cleaned_data.get("sample")
        if sample:
            check_report_file(sample)
        return sample
