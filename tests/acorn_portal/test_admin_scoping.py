"""Every registered admin keeps organizations apart.

The tests walk `admin.site._registry`, so an admin registered later is covered without anyone
remembering to add it here: a model with a `tenant_path` needs a factory in FACTORIES below (the
test says so), and a model without one must be out of reach of organization users, or be listed
in SHARED_MODELS with the reason every organization may see it.
"""

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import models
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from simple_history.admin import SimpleHistoryAdmin

from acorn_portal.admin_base import TenantScopedAdmin, is_tenant_owned
from acorn_portal.models import (
    AuditAction,
    AuditEvent,
    ExchangeRate,
    Membership,
    Organization,
    PurgeRecord,
    RetentionPolicy,
    VendorAccount,
)
from acorn_portal.roles import Role
from acorn_portal.services.events import emit_event
from datasources.models import ColumnMapping, DataSource, FileImport, ImportStatus, SyncCheckpoint, SyncRun
from developer.models import (
    APIKey,
    AppAuthorization,
    GLAccountMapping,
    LedgerExport,
    RegisteredApp,
    WebhookDelivery,
    WebhookEndpoint,
)
from developer.services.keys import issue_api_key
from developer.services.oauth import approve_app, register_app
from refunds.choices import DeductionFamily, PurchaseOrderState, WindowAnchor
from refunds.models import (
    AlertChannel,
    AlertLog,
    AlertSettings,
    ApprovalThreshold,
    AssignmentRule,
    Carton,
    Chargeback,
    CoopAgreement,
    DeductionType,
    Evidence,
    Invoice,
    InvoiceLine,
    PolicyRule,
    ProofOfDelivery,
    PurchaseOrder,
    PurchaseOrderItem,
    Remittance,
    RemittanceLine,
    Shipment,
    ShipmentItem,
    Team,
    WatchRule,
    WorkflowSettings,
)
from refunds.services.evidence import add_evidence
from tests.conftest import PASSWORD, make_member

User = get_user_model()
NOW = dt.datetime(2026, 3, 2, 15, 30, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 2)

# Registered models that belong to no organization, with the reason every organization may see them.
# Anything else without a tenant_path must answer 403 to every organization user.
SHARED_MODELS: dict[type[models.Model], str] = {
    DeductionType: "Amazon's catalogue of deduction types with the research behind it: reference data, "
    "the same for everyone (like the marketplace list); only superusers change it.",
}


# --------------------------------------------------------------------------------------------------
# One full set of documents per organization


@dataclass
class World:
    """An organization, its vendor account, and one row of every registered model, built on demand."""

    org: Organization
    account: VendorAccount
    tag: str  # four capitals that every identifier of this world carries, e.g. "ACME"
    rows: dict = field(default_factory=dict)

    def get(self, model):
        if model not in self.rows:
            factory = FACTORIES.get(model)
            if factory is None:
                pytest.fail(missing_factory_message(model))
            self.rows[model] = factory(self)
        return self.rows[model]


FACTORIES: dict[type[models.Model], Callable[[World], models.Model]] = {}


def missing_factory_message(model) -> str:
    return (
        f"add a factory for {model._meta.label} to FACTORIES in tests/acorn_portal/test_admin_scoping.py: "
        f"it is registered in the admin with a tenant_path, so the scoping walk must build one row of it "
        f"per organization (use world.tag in its identifiers)."
    )


def factory(model):
    def register(build):
        FACTORIES[model] = build
        return build

    return register


@factory(Organization)
def _organization(world):
    return world.org


@factory(VendorAccount)
def _vendor_account(world):
    return world.account


@factory(Membership)
def _membership(world):
    user = make_member(world.org, f"{world.tag.lower()}-member", Role.FINANCE)
    return user.memberships.get()


@factory(PurchaseOrder)
def _purchase_order(world):
    return PurchaseOrder.objects.create(
        account=world.account, number=f"{world.tag}PO01", state=PurchaseOrderState.ACKNOWLEDGED, ordered_at=NOW
    )


@factory(PurchaseOrderItem)
def _purchase_order_item(world):
    return PurchaseOrderItem.objects.create(
        purchase_order=world.get(PurchaseOrder),
        item_sequence_number="1",
        asin=f"B0{world.tag}0001",
        ordered_quantity=12,
        net_cost=Decimal("12.50"),
        currency=world.account.currency,
    )


@factory(ProofOfDelivery)
def _proof_of_delivery(world):
    return ProofOfDelivery.objects.create(
        account=world.account,
        shipment_id=f"{world.tag}-SHIP-1",
        kind="POD",
        signed=True,
        signed_by=f"{world.tag} receiving",
        delivered_at=NOW,
        cartons_delivered=3,
        po_numbers=[f"{world.tag}PO001"],
    )


@factory(Shipment)
def _shipment(world):
    return Shipment.objects.create(
        account=world.account,
        shipment_id=f"{world.tag}SHIP01",
        amazon_reference_number=f"{world.tag}ARN01",
        bill_of_lading=f"{world.tag}BOL01",
        shipped_at=NOW,
    )


@factory(ShipmentItem)
def _shipment_item(world):
    return ShipmentItem.objects.create(
        shipment=world.get(Shipment),
        item_sequence_number="1",
        po_number=f"{world.tag}PO01",
        asin=f"B0{world.tag}0001",
        shipped_quantity=12,
    )


@factory(Carton)
def _carton(world):
    return Carton.objects.create(
        shipment=world.get(Shipment),
        sequence_number=1,
        identifier_type="SSCC",
        identifier=f"00{world.tag}000000000001",
        contents=[{"item_sequence_number": "1", "quantity": 12}],
    )


@factory(Invoice)
def _invoice(world):
    return Invoice.objects.create(
        account=world.account,
        number=f"{world.tag}1001",
        invoice_date=TODAY,
        po_number=f"{world.tag}PO01",
        amount=Decimal("150.00"),
        currency=world.account.currency,
    )


@factory(InvoiceLine)
def _invoice_line(world):
    return InvoiceLine.objects.create(
        invoice=world.get(Invoice),
        line_number=1,
        po_number=f"{world.tag}PO01",
        asin=f"B0{world.tag}0001",
        quantity=12,
        unit_cost=Decimal("12.50"),
        amount=Decimal("150.00"),
        currency=world.account.currency,
    )


@factory(Remittance)
def _remittance(world):
    return Remittance.objects.create(
        account=world.account,
        payment_number=f"{world.tag}PAY01",
        payment_date=TODAY,
        amount=Decimal("125.00"),
        currency=world.account.currency,
    )


@factory(RemittanceLine)
def _remittance_line(world):
    return RemittanceLine.objects.create(
        remittance=world.get(Remittance),
        line_number=1,
        invoice_number=f"{world.tag}1001",
        amount=Decimal("-25.00"),
        currency=world.account.currency,
    )


@factory(Chargeback)
def _chargeback(world):
    return Chargeback.objects.create(
        account=world.account,
        amazon_id=f"{world.tag}CB0001",
        family=DeductionFamily.OPERATIONAL,
        deduction_type="asn_accuracy",
        amount=Decimal("25.00"),
        currency=world.account.currency,
        issue_date=TODAY,
        po_number=f"{world.tag}PO01",
        asin=f"B0{world.tag}0001",
        invoice_number=f"{world.tag}1001",
    )


@factory(Team)
def _team(world):
    team = Team.objects.create(organization=world.org, name=f"{world.tag} shortages")
    team.members.add(make_member(world.org, f"{world.tag.lower()}-teammate", Role.OPERATIONS))
    return team


@factory(AssignmentRule)
def _assignment_rule(world):
    return AssignmentRule.objects.create(
        organization=world.org, deduction_type=f"{world.tag.lower()}_type", team=world.get(Team)
    )


@factory(ApprovalThreshold)
def _approval_threshold(world):
    return ApprovalThreshold.objects.create(organization=world.org, currency="EUR", amount=Decimal("5000"))


@factory(WorkflowSettings)
def _workflow_settings(world):
    return WorkflowSettings.objects.create(organization=world.org, settlement_requires_legal=True)


@factory(Evidence)
def _evidence(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    uploader = make_member(world.org, f"{world.tag.lower()}-uploader", Role.OPERATIONS)
    upload = SimpleUploadedFile(f"{world.tag} pod.pdf", b"%PDF-1.4\n%%EOF\n")
    return add_evidence(chargeback=world.get(Chargeback), actor=uploader, kind="pod", upload=upload)


@factory(PolicyRule)
def _policy_rule(world):
    return PolicyRule.objects.create(
        organization=world.org,
        family=DeductionFamily.OPERATIONAL,
        marketplace="US",
        window_days=21,
        window_anchor=WindowAnchor.CHARGEBACK_DATE,
        note=f"{world.tag} house rule",
    )


@factory(CoopAgreement)
def _coop_agreement(world):
    return CoopAgreement.objects.create(
        account=world.account,
        agreement_id=f"{world.tag}AGR01",
        vendor_code=world.account.vendor_code_list[0],
        rate_percent=Decimal("3.0"),
        currency=world.account.currency,
        starts_on=TODAY,
    )


@factory(FileImport)
def _file_import(world):
    return FileImport.objects.create(
        account=world.account,
        kind="chargebacks",
        original_name=f"{world.tag}-defects.csv",
        sha256=f"{world.tag.lower()}{'0' * 60}",
        status=ImportStatus.IMPORTED,
        rows=1,
        created=1,
    )


@factory(ColumnMapping)
def _column_mapping(world):
    return ColumnMapping.objects.create(
        organization=world.org, kind="chargebacks", source_header=f"{world.tag} fee", field="amount"
    )


@factory(DataSource)
def _data_source(world):
    source = DataSource(account=world.account, name=f"{world.tag} feed", kind="data_feed", settings={"base_url": ""})
    source.set_credentials({"api_key": f"{world.tag}-key"})
    source.save()
    return source


@factory(SyncRun)
def _sync_run(world):
    return SyncRun.objects.create(
        data_source=world.get(DataSource),
        account=world.account,
        started_at=NOW,
        counts={"chargebacks": {"created": 1, "updated": 0, "unchanged": 0, "rejected": 0}},
        errors=[{"kind": "chargebacks", "message": f"{world.tag} failed", "request_id": f"{world.tag}-req"}],
    )


@factory(SyncCheckpoint)
def _sync_checkpoint(world):
    return SyncCheckpoint.objects.create(
        data_source=world.get(DataSource), kind="chargebacks", position={"cursor": "1"}
    )


@factory(AuditEvent)
def _audit_event(world):
    return AuditEvent.objects.create(
        organization=world.org, actor_label=f"{world.tag.lower()}-user", action=AuditAction.EXPORT, object_id=world.tag
    )


@factory(RetentionPolicy)
def _retention_policy(world):
    return RetentionPolicy.objects.create(organization=world.org, closed_cases_days=400, evidence_days=200)


@factory(PurgeRecord)
def _purge_record(world):
    return PurgeRecord.objects.create(
        organization=world.org, started_at=NOW, finished_at=NOW, counts={"closed_cases": 2}, error=world.tag
    )


@factory(APIKey)
def _api_key(world):
    key, _secret = issue_api_key(organization=world.org, name=f"{world.tag} ERP", scopes=["chargebacks:read"])
    return key


def _oauth_admin(world):
    """A superuser stands in for the organization's admin who registers and allows apps."""
    user, _ = User.objects.get_or_create(username=f"{world.tag.lower()}-oauth-admin", defaults={"is_superuser": True})
    return user


@factory(RegisteredApp)
def _registered_app(world):
    app, _secret = register_app(
        organization=world.org,
        name=f"{world.tag} Books",
        redirect_uris="https://books.example/cb",
        confidential=False,
        registered_by=_oauth_admin(world),
    )
    return app


@factory(AppAuthorization)
def _app_authorization(world):
    return approve_app(
        application=world.get(RegisteredApp).application,
        organization=world.org,
        scopes=["chargebacks:read"],
        role="operations",
        approved_by=_oauth_admin(world),
    )


@factory(WebhookEndpoint)
def _webhook_endpoint(world):
    return WebhookEndpoint.objects.create(
        organization=world.org,
        url=f"https://{world.tag.lower()}.example.com/hooks",
        description=f"{world.tag} ERP hook",
        events=["chargeback.created"],
        secret=f"whsec_{world.tag}",
    )


@factory(WebhookDelivery)
def _webhook_delivery(world):
    event = emit_event("chargeback.created", organization=world.org, payload={"tag": world.tag})
    return WebhookDelivery.objects.create(
        endpoint=world.get(WebhookEndpoint),
        event=event,
        event_name=event.name,
        status="failed",
        give_up_at=NOW + dt.timedelta(hours=24),
        created_at=NOW,
        error=f"{world.tag} answered HTTP 500",
        request_id=f"{world.tag.lower()}req",
    )


@factory(GLAccountMapping)
def _gl_account_mapping(world):
    return GLAccountMapping.objects.create(
        organization=world.org,
        accounts_receivable=f"{world.tag}-1200",
        deductions_receivable=f"{world.tag}-1290",
        chargeback_expense=f"{world.tag}-6100",
        recoveries=f"{world.tag}-1010",
        write_offs=f"{world.tag}-6190",
    )


@factory(LedgerExport)
def _ledger_export(world):
    return LedgerExport.objects.create(organization=world.org, period_from=TODAY, period_to=TODAY, line_count=0)


@factory(AlertSettings)
def _alert_settings(world):
    return AlertSettings.objects.create(organization=world.org, reminder_lead_days="9, 4", digest_time_zone="UTC")


@factory(AlertChannel)
def _alert_channel(world):
    channel = AlertChannel(organization=world.org, name=f"{world.tag} ops room", kind="slack")
    channel.url = f"https://hooks.slack.com/services/{world.tag}"
    channel.save()
    return channel


@factory(WatchRule)
def _watch_rule(world):
    rule = WatchRule.objects.create(
        organization=world.org, name=f"{world.tag} big shortages", families=["shortage_claim"]
    )
    rule.accounts.add(world.account)
    rule.channels.add(world.get(AlertChannel))
    return rule


@factory(AlertLog)
def _alert_log(world):
    return AlertLog.objects.create(
        organization=world.org,
        key=f"reminder:{world.tag}:lead3:email",
        kind="reminder",
        chargeback=world.get(Chargeback),
        subject=f"[ACORN] Target in 3 days: {world.tag}CB0001",
        address=f"{world.tag.lower()}@example.com",
        next_attempt_at=NOW,
    )


@factory(ExchangeRate)
def _exchange_rate(world):
    return ExchangeRate.objects.create(
        organization=world.org, from_currency="EUR", to_currency="USD", rate=Decimal("1.0825"), valid_from=TODAY
    )


def build_documents(world: World) -> World:
    """Create a row of every registered tenant model that has a factory (missing ones fail their own test)."""
    for model in TENANT_MODELS:
        if model in FACTORIES:
            world.get(model)
    return world


# --------------------------------------------------------------------------------------------------
# What the walk covers, computed when the module is collected (the admin is autodiscovered by then)


def _label(model) -> str:
    return model._meta.label


REGISTERED = sorted(admin.site._registry, key=_label)
TENANT_MODELS = [model for model in REGISTERED if is_tenant_owned(model)]
OTHER_MODELS = [model for model in REGISTERED if not is_tenant_owned(model)]


def _autocomplete_sources():
    """One foreign key per registered, searchable model, to ask the autocomplete view about it."""
    sources = {}
    for source in apps.get_models():
        for fk in source._meta.get_fields():
            if not (fk.is_relation and fk.concrete and (fk.many_to_one or fk.many_to_many)):
                continue
            remote = fk.remote_field.model
            if remote in admin.site._registry and remote not in sources and admin.site._registry[remote].search_fields:
                sources[remote] = (source, fk.name)
    return sorted(((remote, *source) for remote, source in sources.items()), key=lambda row: _label(row[0]))


AUTOCOMPLETE_SOURCES = _autocomplete_sources()
ROLE_FIXTURES = ["ops", "finance", "legal", "manager", "org_admin"]


def url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[quote(a) for a in args])


def snapshot(obj):
    return type(obj)._default_manager.filter(pk=obj.pk).values().first()


# Random per-request tokens carry no data but can spell a world's tag by chance ("...acme..." in a
# CSRF token): their values are blanked before the page is searched; everything else is kept.
RANDOM_TOKENS = re.compile(r'((?:name="csrfmiddlewaretoken" value|nonce)=)"[^"]*"', re.IGNORECASE)


def without_random_tokens(html: str) -> str:
    return RANDOM_TOKENS.sub(r'\1""', html)


def assert_no_trace(response, world: World, where: str, *, searched: bool = False):
    """Nothing of `world` on the page: its tag is in every identifier, name and username it has.

    A page that echoes a search for the tag can only be checked for rows and links.
    """
    content = without_random_tokens(response.content.decode()).lower()
    if not searched:
        assert world.tag.lower() not in content, f"{where}: the page shows data of {world.org}"
        assert world.org.name.lower() not in content, f"{where}: the page names {world.org}"
    if response.context and "cl" in response.context:
        shown = {(type(obj), obj.pk) for obj in response.context["cl"].result_list}
        leaked = [obj for obj in world.rows.values() if (type(obj), obj.pk) in shown]
        assert not leaked, f"{where}: the list shows {leaked} of {world.org}"
    for obj in world.rows.values():
        for view in ("change", "history", "delete"):
            try:
                link = url(type(obj), view, obj.pk)
            except NoReverseMatch:
                continue
            assert link not in response.content.decode(), f"{where}: the page links to {obj!r} of {world.org}"


@pytest.fixture
def worlds(org, other_org, account, other_account, ops, finance, legal, manager, org_admin, outsider):
    """Org A (Acme, with a user per role) and org B (Rival, whose admin is the outsider), fully stocked."""
    return build_documents(World(org, account, "ACME")), build_documents(World(other_org, other_account, "RIVL"))


def _client(client, user):
    client.force_login(user)
    return client


# --------------------------------------------------------------------------------------------------
# The admin classes are of the right kind


@pytest.mark.parametrize("model", TENANT_MODELS, ids=_label)
def test_tenant_model_admin_is_scoped_and_has_a_factory(model):
    model_admin = admin.site._registry[model]
    assert isinstance(model_admin, TenantScopedAdmin), (
        f"{_label(model)} has a tenant_path but its admin {type(model_admin).__name__} does not derive from "
        f"acorn_portal.admin_base.TenantScopedAdmin: every organization would see every row."
    )
    assert model in FACTORIES, missing_factory_message(model)


@pytest.mark.parametrize("model", OTHER_MODELS, ids=_label)
def test_model_without_tenant_is_out_of_reach_of_organization_users(client, model, worlds, ops, org_admin):
    if model in SHARED_MODELS:
        pytest.skip(f"shared with every organization: {SHARED_MODELS[model]}")
    for user in (ops, org_admin):
        response = _client(client, user).get(url(model, "changelist"))
        assert response.status_code == 403, (
            f"{_label(model)} has no tenant_path, yet {user} (role {user.memberships.get().role}) can open its "
            f"list: give it a tenant_path (and a factory here), or add it to SHARED_MODELS with the reason."
        )


# --------------------------------------------------------------------------------------------------
# An admin of organization B sees nothing of organization A


@pytest.mark.parametrize("model", TENANT_MODELS, ids=_label)
def test_outsider_cannot_see_or_touch_another_organizations_rows(client, model, worlds, outsider):
    mine, theirs = worlds[1], worlds[0]
    obj = theirs.get(model)
    before = snapshot(obj)
    client = _client(client, outsider)

    response = client.get(url(model, "changelist"))
    assert response.status_code in (200, 403)
    if response.status_code == 200:
        assert_no_trace(response, theirs, "changelist")
        assert url(model, "change", mine.get(model).pk) in response.content.decode(), "own row missing"
        for query in ({"q": theirs.tag}, {"q": str(obj)}, {"account": theirs.account.pk}):
            response = client.get(url(model, "changelist"), query)
            assert_no_trace(response, theirs, f"changelist {query}", searched="q" in query)

    response = client.get(url(model, "add"))
    assert response.status_code in (200, 403)
    if response.status_code == 200:
        assert_no_trace(response, theirs, "add page")

    for view in ("change", "history", "delete"):
        assert client.get(url(model, view, obj.pk)).status_code in (302, 404), f"GET {view} page"
    assert client.post(url(model, "change", obj.pk), {}).status_code in (302, 404), "POST change page"
    assert client.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code in (302, 404), "POST delete"

    model_admin = admin.site._registry[model]
    if isinstance(model_admin, SimpleHistoryAdmin):
        version = obj.history.order_by("history_id").first()
        if version is not None:
            version_url = url(model, "simple_history", obj.pk, version.history_id)
            assert client.get(version_url).status_code in (302, 404), "GET history version"
            assert client.post(version_url, {}).status_code in (302, 404), "POST history version (revert)"

    request = RequestFactory().get("/")
    request.user = outsider
    for action in model_admin.get_actions(request):
        response = client.post(
            url(model, "changelist"), {"action": action, "_selected_action": [obj.pk], "post": "yes", "index": 0}
        )
        assert response.status_code in (200, 302), f"action {action}"
        assert_no_trace(response, theirs, f"action {action}")

    assert snapshot(obj) == before, f"{obj!r} of {theirs.org} was changed or deleted through the admin"


@pytest.mark.parametrize(
    ("remote", "source", "field_name"),
    AUTOCOMPLETE_SOURCES,
    ids=[f"{_label(remote)}-via-{_label(source)}.{name}" for remote, source, name in AUTOCOMPLETE_SOURCES],
)
def test_autocomplete_lists_only_own_organization(client, remote, source, field_name, worlds, outsider, org_admin):
    theirs = worlds[0]
    endpoint = reverse("admin:autocomplete")
    params = {"app_label": source._meta.app_label, "model_name": source._meta.model_name, "field_name": field_name}
    leaked_ids = {str(obj.pk) for obj in theirs.rows.values() if isinstance(obj, remote)}

    client = _client(client, outsider)
    for term in ("", theirs.tag, theirs.tag.lower(), str(theirs.get(remote)) if remote in FACTORIES else "acme"):
        response = client.get(endpoint, {**params, "term": term})
        assert response.status_code in (200, 403), response.content
        if response.status_code == 200:
            ids = {row["id"] for row in response.json()["results"]}
            assert not ids & leaked_ids, f"autocomplete for {_label(remote)} lists rows of {theirs.org}"
            assert theirs.tag.lower() not in response.content.decode().lower()

    if remote in FACTORIES:
        response = _client(client, org_admin).get(endpoint, {**params, "term": ""})
        if response.status_code == 200:
            ids = {row["id"] for row in response.json()["results"]}
            assert str(theirs.get(remote).pk) in ids, "members of the organization find their own rows"


# --------------------------------------------------------------------------------------------------
# Members see their own organization; superusers see all; staff without a membership see nothing


@pytest.mark.parametrize("role_fixture", ROLE_FIXTURES)
@pytest.mark.parametrize("model", TENANT_MODELS, ids=_label)
def test_each_role_sees_its_own_organizations_rows(client, request, role_fixture, model, worlds):
    user = request.getfixturevalue(role_fixture)
    mine, theirs = worlds
    opts = model._meta
    may_view = user.has_perm(f"{opts.app_label}.view_{opts.model_name}") or user.has_perm(
        f"{opts.app_label}.change_{opts.model_name}"
    )
    client = _client(client, user)

    response = client.get(url(model, "changelist"))
    if not may_view:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    content = response.content.decode()
    assert url(model, "change", mine.get(model).pk) in content, f"{user} does not see {mine.get(model)!r}"
    assert_no_trace(response, theirs, f"changelist for {role_fixture}")
    assert client.get(url(model, "change", mine.get(model).pk)).status_code == 200
    assert client.get(url(model, "history", mine.get(model).pk)).status_code == 200
    assert client.get(url(model, "change", theirs.get(model).pk)).status_code in (302, 404)


@pytest.mark.parametrize("model", TENANT_MODELS, ids=_label)
def test_superuser_sees_every_organization(client, model, worlds, superuser):
    client = _client(client, superuser)
    content = client.get(url(model, "changelist")).content.decode()
    for world in worlds:
        assert url(model, "change", world.get(model).pk) in content
        assert client.get(url(model, "change", world.get(model).pk)).status_code == 200


@pytest.fixture
def staff_without_membership(db):
    """Staff with every view permission granted directly, but no membership: organizations give rows, not perms."""
    user = User.objects.create_user(username="stray", password=PASSWORD, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    return user


@pytest.mark.parametrize("model", TENANT_MODELS, ids=_label)
def test_staff_without_membership_sees_nothing(client, model, worlds, staff_without_membership):
    client = _client(client, staff_without_membership)
    response = client.get(url(model, "changelist"))
    assert response.status_code in (200, 403)
    for world in worlds:
        if response.status_code == 200:
            assert_no_trace(response, world, "changelist of a user without membership")
        assert client.get(url(model, "change", world.get(model).pk)).status_code in (302, 404)


# --------------------------------------------------------------------------------------------------
# Organizations, memberships and vendor accounts: who may change what


def admin_url(model, view, *args):
    return url(model, view, *args)


def test_only_superusers_add_organizations(client, org_admin, superuser):
    assert _client(client, org_admin).get(admin_url(Organization, "add")).status_code == 403
    assert _client(client, superuser).get(admin_url(Organization, "add")).status_code == 200


def test_organization_admin_renames_own_organization(client, org, org_admin, ops):
    data = {
        "name": "Acme Brands Inc",
        "deadline_buffer_business_days": "5",
        "default_language": "en",
        "memberships-TOTAL_FORMS": "2",
        "memberships-INITIAL_FORMS": "2",
        "vendor_accounts-TOTAL_FORMS": "0",
        "vendor_accounts-INITIAL_FORMS": "0",
    }
    assert _client(client, ops).post(admin_url(Organization, "change", org.pk), data).status_code == 403
    response = _client(client, org_admin).post(admin_url(Organization, "change", org.pk), data)
    assert response.status_code == 302, response.context and response.context["adminform"].errors
    org.refresh_from_db()
    assert org.name == "Acme Brands Inc" and org.slug == "acme"


def test_organization_admin_manages_memberships(client, org, org_admin):
    newcomer = User.objects.create_user(username="nina", email="Nina@Example.com", password=PASSWORD)
    client = _client(client, org_admin)

    response = client.post(
        admin_url(Membership, "add"), {"user": "nina@example.com", "organization": org.pk, "role": "legal"}
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=newcomer, organization=org)
    newcomer.refresh_from_db()
    assert membership.role == Role.LEGAL and newcomer.is_staff

    response = client.post(admin_url(Membership, "change", membership.pk), {"role": "manager"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.MANAGER and membership.user == newcomer

    assert client.post(admin_url(Membership, "delete", membership.pk), {"post": "yes"}).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_membership_add_refuses_unknown_and_duplicate_users(client, org, org_admin, ops):
    client = _client(client, org_admin)
    response = client.post(admin_url(Membership, "add"), {"user": "nobody", "organization": org.pk, "role": "legal"})
    assert response.status_code == 200 and "No active user" in response.content.decode()
    response = client.post(
        admin_url(Membership, "add"), {"user": ops.username, "organization": org.pk, "role": "legal"}
    )
    assert response.status_code == 200 and Membership.objects.get(user=ops).role == Role.OPERATIONS


def test_role_permissions_apply_per_organization(client, org, other_org, ops, outsider):
    """An admin of one organization who is operations in another manages only the first: working in
    the second (the switcher's choice) they may not add, change or delete its members."""
    Membership.objects.create(user=outsider, organization=org, role=Role.OPERATIONS)
    ops_membership = ops.memberships.get()
    client = _client(client, outsider)

    client.post(reverse("onboarding:switch"), {"organization": other_org.pk, "next": "/admin/"})
    form = client.get(admin_url(Membership, "add")).context["adminform"].form
    assert list(form.fields["organization"].queryset) == [other_org]
    response = client.post(
        admin_url(Membership, "add"), {"user": "nobody-else", "organization": org.pk, "role": "admin"}
    )
    assert "organization" in response.context["adminform"].form.errors
    own = outsider.memberships.get(organization=other_org)
    assert client.get(admin_url(Membership, "change", own.pk)).status_code == 200

    # Working in the organization where they are operations: readable, not changeable or deletable.
    client.post(reverse("onboarding:switch"), {"organization": org.pk, "next": "/admin/"})
    assert client.get(admin_url(Membership, "add")).status_code == 403
    assert client.get(admin_url(Membership, "change", ops_membership.pk)).status_code == 200
    assert client.post(admin_url(Membership, "change", ops_membership.pk), {"role": "admin"}).status_code == 403
    assert client.post(admin_url(Membership, "delete", ops_membership.pk), {"post": "yes"}).status_code == 403
    assert (
        client.post(
            admin_url(Membership, "changelist"),
            {"action": "delete_selected", "_selected_action": [ops_membership.pk], "post": "yes"},
        ).status_code
        == 403
    )
    ops_membership.refresh_from_db()
    assert ops_membership.role == Role.OPERATIONS


def test_view_only_member_cannot_revert_history(client, org, ops, org_admin):
    membership = org_admin.memberships.get()
    version = membership.history.order_by("history_id").first()
    membership.role = Role.MANAGER
    membership.save()
    page = admin_url(Membership, "simple_history", membership.pk, version.history_id)
    client = _client(client, ops)
    assert client.get(page).status_code == 200
    assert client.post(page, {}).status_code == 403
    membership.refresh_from_db()
    assert membership.role == Role.MANAGER


def test_vendor_account_derives_marketplace_facts(client, org, org_admin, ops):
    data = {
        "organization": org.pk,
        "name": "Acme DE",
        "vendor_codes": "acmed, acmee",
        "marketplace": "DE",
        "is_active": "on",
    }
    assert _client(client, ops).post(admin_url(VendorAccount, "add"), data).status_code == 403

    client = _client(client, org_admin)
    assert client.post(admin_url(VendorAccount, "add"), data).status_code == 302
    account = VendorAccount.objects.get(name="Acme DE")
    assert (account.region, account.marketplace_id, account.currency, account.time_zone) == (
        "EU",
        "A1PA6795UKMFR9",
        "EUR",
        "Europe/Berlin",
    )
    assert account.vendor_codes == "ACMED, ACMEE"

    page = client.get(admin_url(VendorAccount, "change", account.pk))
    assert set(page.context["adminform"].form.fields) == {"name", "vendor_codes", "payment_terms_net_days", "is_active"}
    assert "Europe/Berlin" in page.content.decode()

    VendorAccount.objects.create(organization=org, name="Acme US", vendor_codes="ACMEU", marketplace="US")
    response = client.post(
        admin_url(VendorAccount, "change", account.pk), {"name": "Acme US", "vendor_codes": "ACMED", "is_active": "on"}
    )
    assert response.status_code == 200 and "already has a vendor account" in response.content.decode()


def test_random_tokens_are_blanked_and_nothing_else():
    page = (
        '<form><input type="hidden" name="csrfmiddlewaretoken" value="k2ACMEq9"><script nonce="acme7Z">'
        '</script><input name="q" value="ACME-PO-1"></form>'
    )
    cleaned = without_random_tokens(page).lower()
    assert 'value=""' in cleaned and 'nonce=""' in cleaned
    assert cleaned.count("acme") == 1 and "acme-po-1" in cleaned, "data of a world is still seen"


def test_vendor_account_payment_terms_in_the_admin_and_currency_stays_the_marketplaces(client, org, org_admin):
    client = _client(client, org_admin)
    data = {"organization": org.pk, "name": "Acme JP", "vendor_codes": "ACMJ", "marketplace": "JP", "is_active": "on"}
    add = client.post(admin_url(VendorAccount, "add"), {**data, "payment_terms_net_days": "45", "currency": "USD"})
    assert add.status_code == 302
    account = VendorAccount.objects.get(name="Acme JP")
    assert (account.currency, account.time_zone, account.payment_terms_net_days) == ("JPY", "Asia/Tokyo", 45)

    change = {"name": "Acme JP", "vendor_codes": "ACMJ", "is_active": "on", "payment_terms_net_days": "60"}
    response = client.post(admin_url(VendorAccount, "change", account.pk), {**change, "currency": "USD"})
    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.currency, account.payment_terms_net_days) == ("JPY", 60)
    assert account.history.first().payment_terms_net_days == 60


# --------------------------------------------------------------------------------------------------
# A person in two organizations works in the one they switched to, on every admin page

SWITCHER = re.compile(r'<form[^>]*id="organization-switcher-header".*?</form>', re.S)


@dataclass
class _Page:
    """A response with the header's switcher taken out: it names every organization of the person, on purpose."""

    content: bytes
    context: object


def _without_switcher(response) -> _Page:
    return _Page(SWITCHER.sub("", response.content.decode()).encode(), response.context)


@pytest.fixture
def two_org_admin(org, other_org):
    user = make_member(org, "dual", Role.ADMIN)
    Membership.objects.create(user=user, organization=other_org, role=Role.ADMIN)
    return user


@pytest.mark.parametrize("model", TENANT_MODELS, ids=_label)
def test_a_person_in_two_organizations_sees_only_the_one_switched_to(client, model, worlds, two_org_admin):
    client = _client(client, two_org_admin)
    for mine, theirs in (worlds, worlds[::-1]):
        response = client.post(reverse("onboarding:switch"), {"organization": mine.org.pk, "next": "/admin/apps/"})
        assert response.status_code == 302 and response.url == "/admin/apps/"
        response = client.get(url(model, "changelist"))
        if response.status_code == 403:
            continue  # no role of theirs may list it (API keys' service users, ...)
        assert response.status_code == 200
        assert 'id="organization-switcher-header"' in response.content.decode(), "no switcher in the header"
        assert url(model, "change", mine.get(model).pk) in response.content.decode(), f"{mine.org}'s row missing"
        assert_no_trace(_without_switcher(response), theirs, f"changelist while working in {mine.org}")
        for view in ("change", "history"):
            assert client.get(url(model, view, theirs.get(model).pk)).status_code in (302, 404), view
        assert client.get(url(model, "change", mine.get(model).pk)).status_code == 200
        add = client.get(url(model, "add"))
        if add.status_code == 200:
            assert_no_trace(_without_switcher(add), theirs, f"add page while working in {mine.org}")


def test_the_header_switcher_returns_to_the_list_of_the_page_it_left(client, org, other_org, account, two_org_admin):
    client = _client(client, two_org_admin)
    page = client.get(url(VendorAccount, "change", account.pk)).content.decode()
    form = SWITCHER.search(page).group(0)
    assert 'name="next" value="/admin/acorn_portal/vendoraccount/"' in form
    assert "Acme Brands" in form and "Rival Goods" in form
    response = client.post(
        reverse("onboarding:switch"), {"organization": other_org.pk, "next": "https://evil.example/"}
    )
    assert response.url == reverse("onboarding:start")
    # Someone in one organization has nothing to switch: no picker, and no query for one.
    single = make_member(org, "single", Role.ADMIN)
    assert "organization-switcher" not in _client(client, single).get(url(VendorAccount, "changelist")).content.decode()
