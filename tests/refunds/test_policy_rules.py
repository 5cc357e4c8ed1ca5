"""The catalogue and default rules are seeded, versioned, specific, and re-time cases when changed."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from acorn_portal.models import Organization
from refunds.choices import DeductionFamily, Recommendation, WindowAnchor
from refunds.models import Chargeback, DeductionType, PolicyRule
from refunds.services.matching import evaluate_chargebacks
from refunds.services.policy import RuleBook, TypeCatalogue
from refunds.services.policy_seed import seed_all, seed_catalogue, seed_policy_rules
from tests.refunds.matching_data import NOW, make_chargeback, make_invoice, make_po, make_shipment


def test_catalogue_is_seeded_with_sources_and_confidence(db):
    shortage = DeductionType.objects.get(code="shortage")
    assert shortage.family == DeductionFamily.SHORTAGE
    assert shortage.sources and shortage.confidence.startswith("medium")
    asn = DeductionType.objects.get(code="asn_accuracy")
    assert "Late ASN" in asn.subtypes
    assert asn.fee.startswith("2% / 4% / 6%")
    assert {"po_on_time", "carton_content_label", "prep", "no_show", "price_claim", "coop", "rtv", "provision"} <= set(
        DeductionType.objects.values_list("code", flat=True)
    )


def test_catalogue_resolves_aliases(db):
    catalogue = TypeCatalogue()
    assert catalogue.get("no_carton_content_label").code == "carton_content_label"
    assert catalogue.get("Shortage-Claim").code == "shortage"
    assert catalogue.get("nonsense") is None


def test_new_organization_gets_default_rules_once(org):
    seeded = PolicyRule.objects.filter(organization=org)
    count = seeded.count()
    assert count >= 10
    assert seed_policy_rules(org) == 0
    seed_all()
    assert seeded.count() == count
    assert seed_catalogue() == 0


def test_seeding_never_undoes_a_managers_edit(org):
    rule = PolicyRule.objects.get(organization=org, seed_key="operational")
    rule.window_days = 25
    rule._skip_recompute = True
    rule.save()
    seed_all()
    rule.refresh_from_db()
    assert rule.window_days == 25


def test_safer_deadline_is_seeded_where_sources_disagree(org):
    shortage = PolicyRule.objects.get(organization=org, seed_key="shortage")
    assert shortage.window_anchor == WindowAnchor.INVOICE_DATE
    assert "earlier invoice date" in shortage.note
    assert (shortage.blackout_days, shortage.blackout_anchor) == (35, WindowAnchor.INVOICE_DUE_DATE)
    price = PolicyRule.objects.get(organization=org, seed_key="price")
    assert (price.window_days, price.window_anchor) == (30, WindowAnchor.INVOICE_DUE_DATE)
    assert "earliest" in price.note


def test_most_specific_rule_in_force_wins(org, account):
    asn = DeductionType.objects.get(code="asn_accuracy")
    book_args = {"organization_id": org.id, "family": DeductionFamily.OPERATIONAL, "region": "NA"}
    us_rule = PolicyRule.objects.create(
        organization=org,
        family=DeductionFamily.OPERATIONAL,
        deduction_type=asn,
        marketplace="US",
        window_days=20,
        window_anchor=WindowAnchor.CHARGEBACK_DATE,
        effective_from=date(2026, 3, 1),
    )
    book = RuleBook([org.id])
    assert book.rule_for(type_id=asn.id, marketplace="US", day=date(2026, 3, 1), **book_args) == us_rule
    older = book.rule_for(type_id=asn.id, marketplace="US", day=date(2026, 2, 28), **book_args)
    assert older.seed_key == "operational.asn_accuracy"
    assert book.rule_for(type_id=asn.id, marketplace="CA", day=date(2026, 3, 1), **book_args) == older
    family = book.rule_for(type_id=None, marketplace="US", day=date(2026, 3, 1), **book_args)
    assert family.seed_key == "operational"


def test_shortage_rule_versions_switch_on_the_cap_date(org):
    book = RuleBook([org.id])
    args = {"organization_id": org.id, "family": DeductionFamily.SHORTAGE, "type_id": None, "marketplace": "US"}
    assert book.rule_for(region="NA", day=date(2025, 7, 31), **args).window_days == 1825
    assert book.rule_for(region="NA", day=date(2025, 8, 1), **args).window_days == 730


def test_rule_validation(org):
    rule = PolicyRule(
        organization=org,
        family=DeductionFamily.PRICE,
        deduction_type=DeductionType.objects.get(code="shortage"),
        window_days=30,
        window_anchor=WindowAnchor.INVOICE_DATE,
        blackout_days=5,
        min_amount=Decimal("5"),
        required_evidence=["telepathy"],
        effective_from=date(2026, 1, 2),
        effective_to=date(2026, 1, 1),
    )
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert {"deduction_type", "effective_to", "blackout_anchor", "min_amount_currency", "required_evidence"} <= set(
        error.value.message_dict
    )


def _operational_case(account):
    make_po(account, received=120)  # ASN sent on time, units and cartons as received: invalid
    make_shipment(account)
    make_invoice(account)
    return make_chargeback(
        account,
        "CB-1VCBSINV",
        family=DeductionFamily.OPERATIONAL,
        deduction_type="asn_accuracy",
        amount="50.00",
        quantity=None,
        issue_date=date(2026, 3, 10),
        invoice_number="",
    )


def test_changing_a_rule_recomputes_open_cases_with_a_history_reason(account, django_capture_on_commit_callbacks):
    cb = _operational_case(account)
    evaluate_chargebacks([cb.id], now=NOW)
    cb.refresh_from_db()
    assert cb.due_on == date(2026, 4, 9)
    rule = PolicyRule.objects.get(organization=account.organization, seed_key="operational.asn_accuracy")
    rule.window_days = 20
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rule.save()
    assert len(callbacks) == 1
    cb.refresh_from_db()
    assert cb.due_on == date(2026, 3, 30)
    latest = cb.history.first()
    assert latest.history_change_reason == f"due date 2026-04-09 → 2026-03-30: rule #{rule.pk} changed"
    assert rule.history.count() == 2  # seeded, then edited


def test_rule_change_in_another_organization_leaves_ours_alone(account, other_org, django_capture_on_commit_callbacks):
    cb = _operational_case(account)
    evaluate_chargebacks([cb.id], now=NOW)
    theirs = PolicyRule.objects.get(organization=other_org, seed_key="operational.asn_accuracy")
    theirs.window_days = 5
    with django_capture_on_commit_callbacks(execute=True):
        theirs.save()
    cb.refresh_from_db()
    assert cb.due_on == date(2026, 4, 9)


def test_deleting_the_specific_rule_falls_back_to_the_family_rule(account, django_capture_on_commit_callbacks):
    cb = _operational_case(account)
    evaluate_chargebacks([cb.id], now=NOW)
    family_rule = PolicyRule.objects.get(organization=account.organization, seed_key="operational")
    family_rule.window_days = 10
    family_rule._skip_recompute = True
    family_rule.save()
    with django_capture_on_commit_callbacks(execute=True):
        PolicyRule.objects.get(organization=account.organization, seed_key="operational.asn_accuracy").delete()
    cb.refresh_from_db()
    assert cb.due_on == date(2026, 3, 20)
    assert cb.assessment.rule == family_rule


def test_a_minimum_amount_turns_a_small_dispute_into_accept(account):
    cb = _operational_case(account)
    rule = PolicyRule.objects.get(organization=account.organization, seed_key="operational.asn_accuracy")
    rule.min_amount, rule.min_amount_currency, rule._skip_recompute = Decimal("75.00"), "USD", True
    rule.save()
    evaluate_chargebacks([cb.id], now=NOW)
    cb.refresh_from_db()
    assert cb.recommendation == Recommendation.ACCEPT
    assert "below the rule's minimum of 75.00 USD" in cb.assessment.summary


def test_organizations_created_later_are_seeded_too(db):
    org = Organization.objects.create(name="Late", slug="late")
    assert PolicyRule.objects.filter(organization=org, seed_key="coop").exists()
    assert Chargeback.objects.count() == 0
