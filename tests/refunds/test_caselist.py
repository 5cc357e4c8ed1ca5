"""The case list: found by the numbers people quote, sorted by every sortable column, in a fixed number of queries.

Speed at a million deductions is bench/caselist.py's; these check what the fast shapes return.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from acorn_portal.models import Membership
from refunds.admin_caselist import THEN_BY
from refunds.choices import ChargebackState, DeductionFamily
from refunds.models import Chargeback
from tests.refunds.cases import make_chargeback

LIST = reverse("admin:refunds_chargeback_changelist")
DAY = dt.date(2026, 3, 2)


def shown(response):
    assert response.status_code == 200, response.content[:500]
    return list(response.context["cl"].result_list)


@pytest.fixture
def cases(account, ops, finance):
    """Six deductions with distinct identifiers, states, owners, deadlines and amounts."""
    made = []
    for n, (state, owner, amount) in enumerate(
        [
            (ChargebackState.NEW, None, "250.00"),
            (ChargebackState.IN_REVIEW, ops, "19.99"),
            (ChargebackState.NEW, finance, "1200.00"),
            (ChargebackState.DISPUTED, ops, "250.00"),
            (ChargebackState.ACCEPTED, None, "5.00"),
            (ChargebackState.NEW, ops, "980.10"),
        ]
    ):
        case = make_chargeback(
            account,
            amazon_id=f"11462555{n:02d}",
            family=DeductionFamily.SHORTAGE if n % 2 else DeductionFamily.OPERATIONAL,
            po_number=f"{n}A2B3C4D",
            asin=f"B0ASIN000{n}",
            invoice_number=f"4882491{n}",
            amount=Decimal(amount),
            issue_date=DAY - dt.timedelta(days=n % 3),
            due_on=DAY + dt.timedelta(days=(n * 7) % 5),
        )
        # Workflow columns written directly: these tests are about reading the list, not the workflow.
        Chargeback.objects.filter(pk=case.pk).update(state=state, assignee=owner)
        made.append(Chargeback.objects.get(pk=case.pk))
    return made


# --------------------------------------------------------------------------------------------------
# Search


@pytest.mark.parametrize("term", ["po# 3a2b3c4d", "PO-3A2B3C4D", " 3a2b3c4d ", "P.O. 3A2B3C4D", "3A2B3C4D"])
def test_search_finds_the_case_by_its_po_however_it_is_typed(client, cases, ops, term):
    client.force_login(ops)
    assert shown(client.get(LIST, {"q": term})) == [cases[3]]


@pytest.mark.parametrize(
    ("term", "index"),
    [
        ("1146255502", 2),  # Amazon id
        ("b0asin0004", 4),  # ASIN, lower case
        ("B0ASIN0004", 4),
        ("48824915", 5),  # invoice number
    ],
)
def test_search_finds_the_case_by_amazon_id_asin_and_invoice(client, cases, ops, term, index):
    client.force_login(ops)
    assert shown(client.get(LIST, {"q": term})) == [cases[index]]


def test_search_finds_dispute_and_filed_case_ids(client, cases, ops):
    Chargeback.objects.filter(pk=cases[1].pk).update(amazon_dispute_id="DSP-77AB")
    Chargeback.objects.filter(pk=cases[3].pk).update(filed_case_id="17654321")
    client.force_login(ops)
    assert shown(client.get(LIST, {"q": "dsp-77ab"})) == [cases[1]]
    assert shown(client.get(LIST, {"q": "17654321"})) == [cases[3]]


def test_search_of_several_pasted_ids_finds_each(client, cases, ops):
    client.force_login(ops)
    found = shown(client.get(LIST, {"q": "1146255500, 1146255505\n48824912"}))
    assert sorted(c.pk for c in found) == sorted(cases[i].pk for i in (0, 2, 5))


@pytest.mark.parametrize("term", ["114625550", "146255502", "B0ASIN", "A2B3C4D", "po#", "nothing-like-it"])
def test_search_is_exact_a_fragment_finds_nothing(client, cases, ops, term):
    client.force_login(ops)
    assert shown(client.get(LIST, {"q": term})) == []


def test_blank_search_lists_everything(client, cases, ops):
    client.force_login(ops)
    assert len(shown(client.get(LIST, {"q": "   "}))) == len(cases)


def test_search_finds_only_the_users_organizations_cases(client, cases, ops, other_account, superuser):
    theirs = make_chargeback(other_account, amazon_id="1146255503", po_number="3A2B3C4D", asin="B0ASIN0003")
    client.force_login(ops)
    for term in ("1146255503", "po# 3a2b3c4d", "b0asin0003"):
        assert shown(client.get(LIST, {"q": term})) == [cases[3]], term
    client.force_login(superuser)
    assert {c.pk for c in shown(client.get(LIST, {"q": "po# 3a2b3c4d"}))} == {cases[3].pk, theirs.pk}


def test_member_of_two_organizations_finds_cases_in_the_one_switched_to(client, cases, ops, other_account):
    Membership.objects.create(user=ops, organization=other_account.organization, role="operations")
    theirs = make_chargeback(other_account, amazon_id="9999999999", po_number="3A2B3C4D")
    client.force_login(ops)
    client.post("/account/organization/switch/", {"organization": cases[3].account.organization_id})
    assert {c.pk for c in shown(client.get(LIST, {"q": "3A2B3C4D"}))} == {cases[3].pk}
    client.post("/account/organization/switch/", {"organization": other_account.organization_id})
    assert {c.pk for c in shown(client.get(LIST, {"q": "3A2B3C4D"}))} == {theirs.pk}
    assert shown(client.get(LIST, {"q": "9999999999"})) == [theirs]


# --------------------------------------------------------------------------------------------------
# Sorting


def sortable_positions():
    model_admin = admin.site._registry[Chargeback]
    return [(i, name) for i, name in enumerate(model_admin.list_display) if name in model_admin.sortable_by]


# What each column sorts by, as the rows' values (owner: the assignee; None sorts to one end).
SORT_KEYS = {
    "case": lambda c: (c.amazon_id,),
    "state": lambda c: (c.state, c.due_on),
    "owner": lambda c: (c.assignee_id, c.state),
    "deadline": lambda c: (c.due_on,),
    "amount_display": lambda c: (c.amount,),
    "issue_date": lambda c: (c.issue_date,),
}


def test_every_sortable_column_has_a_sort_key_here():
    assert {name for _, name in sortable_positions()} == set(SORT_KEYS)


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize(("position", "name"), sortable_positions(), ids=[n for _, n in sortable_positions()])
def test_sorting_by_each_column(client, cases, finance, position, name, descending):
    client.force_login(finance)
    response = client.get(LIST, {"o": f"{'-' if descending else ''}{position + 1}"})
    rows = shown(response)
    assert sorted(c.pk for c in rows) == sorted(c.pk for c in cases)
    keyed = [(*SORT_KEYS[name](c), c.pk) for c in rows]
    with_values = [k for k in keyed if k[0] is not None]
    assert with_values == sorted(with_values, reverse=descending), f"{name}: {keyed}"
    empty = [i for i, k in enumerate(keyed) if k[0] is None]
    assert empty in ([], list(range(len(empty))), list(range(len(keyed) - len(empty), len(keyed)))), keyed
    # The tie-break goes the column's way, so one index serves the sort read forwards or backwards.
    ordering = response.context["cl"].queryset.query.order_by
    assert ordering[-1] == ("-pk" if descending else "pk"), ordering


def test_columns_that_only_group_are_not_sortable_and_a_crafted_sort_by_them_is_ignored(client, cases, ops):
    model_admin = admin.site._registry[Chargeback]
    for name in ("deduction", "po_number", "amazon_status", "recommendation"):
        assert name not in model_admin.sortable_by
    position = model_admin.list_display.index("deduction")
    client.force_login(ops)
    assert len(shown(client.get(LIST, {"o": str(position + 1)}))) == len(cases)


def test_default_order_is_newest_first_then_id(client, cases, ops):
    client.force_login(ops)
    rows = shown(client.get(LIST))
    assert [(c.issue_date, c.pk) for c in rows] == sorted(((c.issue_date, c.pk) for c in cases), reverse=True)


def test_every_then_by_field_is_a_column_of_the_table():
    names = {f.attname for f in Chargeback._meta.concrete_fields}
    for field, after in THEN_BY.items():
        assert {field, *after} <= names


# --------------------------------------------------------------------------------------------------
# Queries stay pinned


def add_cases(account, count, prefix):
    Chargeback.objects.bulk_create(
        Chargeback(
            account=account,
            amazon_id=f"{prefix}{i:05d}",
            family=DeductionFamily.OPERATIONAL,
            deduction_type="asn_accuracy",
            amount=Decimal(i),
            currency="USD",
            issue_date=DAY,
            po_number_normalized="",
        )
        for i in range(count)
    )


@pytest.mark.parametrize(
    "params",
    [{}, {"q": "po# 3a2b3c4d"}, {"q": "X00001"}, {"o": "4"}, {"o": "-6"}, {"state__exact": "new", "queue": "due7"}],
    ids=["default", "search-po", "search-id", "sort-deadline", "sort-amount-desc", "filtered"],
)
def test_case_list_query_count_is_pinned(client, account, cases, ops, params):
    client.force_login(ops)
    add_cases(account, 60, "X")
    client.get(LIST, params)  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as first:
        shown(client.get(LIST, params))
    add_cases(account, 120, "Y")
    with CaptureQueriesContext(connection) as again:
        shown(client.get(LIST, params))
    assert len(first) == len(again), "a query runs per row"
    # The list's own work plus the session, user, permissions, the reader's language (person, then
    # organization), the inbox badge, the first-sync notice's data sources, the person's saved views
    # and the filters' choices: pinned.
    # A queue judges dates in each marketplace's calendar: one more query for the accounts' time zones.
    assert len(first) <= 18 + ("queue" in params), [q["sql"] for q in first.captured_queries]


# --------------------------------------------------------------------------------------------------
# The migration


NEW_INDEXES = {
    "refunds_cb_assignee_state_id",
    "refunds_cb_due_on_id",
    "refunds_cb_amount_id",
    "refunds_cb_amazon_id",
    "refunds_cb_dispute_id",
    "refunds_cb_filed_case_id",
    # The start page's queues, each read in order off a partial index of its states (0014).
    "refunds_cb_q_amazon",
    "refunds_cb_q_unpaid",
    "refunds_cb_q_decided",
    "refunds_cb_q_ready",
    "refunds_cb_q_evidence",
}


def chargeback_indexes() -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Chargeback._meta.db_table)
    return {name: info["columns"] for name, info in constraints.items() if info["index"] and not info["unique"]}


@pytest.mark.django_db(transaction=True)
def test_index_migration_applies_and_reverses():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    indexes = chargeback_indexes()
    assert set(indexes) >= NEW_INDEXES
    # The columns whose own indexes went (composite indexes lead with them) have none left.
    for column in ("state", "assignee_id", "account_id"):
        assert [column] not in indexes.values(), f"{column} still has an index of its own"

    executor.migrate([("refunds", "0006_trim_write_indexes")])
    before = chargeback_indexes()
    assert not NEW_INDEXES & set(before)
    assert ["state"] in before.values() and ["assignee_id", "state"] in before.values()

    executor = MigrationExecutor(connection)
    executor.migrate(latest)
    assert set(chargeback_indexes()) >= NEW_INDEXES
