"""Admin pages for rules and the catalogue: scoped per organization, editable by managers, with history."""

from datetime import date

from django.urls import reverse

from refunds.choices import DeductionFamily
from refunds.models import PolicyRule
from refunds.services.matching import evaluate_chargebacks
from refunds.services.verdict_display import render_verdict, verdict_data
from tests.refunds.matching_data import NOW, make_chargeback, make_invoice, make_po, make_shipment


def rule_form(rule, **changes):
    data = {
        "organization": rule.organization_id,
        "family": rule.family,
        "deduction_type": rule.deduction_type_id or "",
        "marketplace": rule.marketplace,
        "region": rule.region,
        "effective_from": rule.effective_from.isoformat(),
        "effective_to": "",
        "window_days": rule.window_days,
        "window_anchor": rule.window_anchor,
        "blackout_days": rule.blackout_days,
        "blackout_anchor": rule.blackout_anchor,
        "max_dispute_rounds": rule.max_dispute_rounds or "",
        "required_evidence": ["asn_transmission"],
        "min_amount": "",
        "min_amount_currency": "",
        "note": rule.note,
        "sources": "[]",
        "confidence": rule.confidence,
    }
    data.update(changes)
    return data


def test_manager_edits_a_rule_and_the_case_shows_why(client, manager, account, django_capture_on_commit_callbacks):
    make_po(account)
    make_shipment(account)
    cb = make_chargeback(
        account,
        "CB-9",
        family=DeductionFamily.OPERATIONAL,
        deduction_type="asn_accuracy",
        amount="50.00",
        quantity=None,
        issue_date=date(2026, 3, 10),
        invoice_number="",
    )
    evaluate_chargebacks([cb.id], now=NOW)
    rule = PolicyRule.objects.get(organization=account.organization, seed_key="operational.asn_accuracy")
    client.force_login(manager)
    url = reverse("admin:refunds_policyrule_change", args=[rule.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, rule_form(rule, window_days=21))
    assert response.status_code == 302, response.content.decode()[:2000]
    cb.refresh_from_db()
    assert cb.due_on == date(2026, 3, 31)
    assert cb.history.first().history_change_reason == (
        f"due date 2026-04-09 → 2026-03-31; target 2026-04-02 → 2026-03-24: rule #{rule.pk} changed"
    )
    assert rule.history.first().history_user == manager


def test_operations_can_read_rules_but_not_change_them(client, ops, org):
    rule = PolicyRule.objects.filter(organization=org).first()
    client.force_login(ops)
    assert client.get(reverse("admin:refunds_policyrule_changelist")).status_code == 200
    response = client.post(reverse("admin:refunds_policyrule_change", args=[rule.pk]), rule_form(rule, window_days=1))
    assert response.status_code == 403
    rule.refresh_from_db()
    assert rule.window_days != 1


def test_another_organizations_rules_stay_unseen(client, outsider, org):
    rule = PolicyRule.objects.filter(organization=org).first()
    client.force_login(outsider)
    listing = client.get(reverse("admin:refunds_policyrule_changelist"))
    assert listing.status_code == 200
    assert (
        listing.context["cl"].result_count
        == PolicyRule.objects.filter(organization=outsider.memberships.get().organization).count()
    )
    response = client.get(reverse("admin:refunds_policyrule_change", args=[rule.pk]))
    assert response.status_code == 302  # the admin's "does not exist" redirect


def test_catalogue_is_readable_with_its_sources(client, ops):
    client.force_login(ops)
    response = client.get(reverse("admin:refunds_deductiontype_changelist") + "?q=shortage")
    assert response.status_code == 200
    assert "Shortage claim (PQV)" in response.content.decode()


def test_render_verdict_shows_the_checks(account):
    make_po(account)
    make_shipment(account)
    make_invoice(account)
    cb = make_chargeback(account)
    assert "Not evaluated yet" in render_verdict(cb)
    assert verdict_data(cb) is None
    evaluate_chargebacks([cb.id], now=NOW)
    cb.refresh_from_db()
    html = render_verdict(cb)
    assert "<strong>Dispute</strong>" in html
    assert "240.00 USD" in html
    assert "ASNs shipped 120 units in all" in html
    assert "2028-01-10" in html
    data = verdict_data(cb)
    assert data["expected_recovery"] == {"amount": "240.00", "currency": "USD"}
    assert data["recommendation"] == "dispute"
