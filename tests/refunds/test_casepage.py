"""The case page leads with the decision; uploads keep it current; the checks the forms had holes in."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from acorn_portal.money import format_money
from acorn_portal.uploads import EVIDENCE_TYPES
from refunds.choices import ChargebackState, EvidenceKind
from refunds.forms import EvidenceForm, RecoveryForm
from refunds.models import Remittance, RemittanceLine
from refunds.services import workflow
from refunds.services.decision import plain_rule_note
from refunds.services.evidence import accepted_kinds_text, add_evidence, remove_evidence
from refunds.services.matching import evaluate_chargebacks
from tests.refunds import matching_data as md
from tests.refunds.cases import PDF_BYTES, add_pod, make_chargeback, reload, today, upload, walk

S = ChargebackState


def change_url(case):
    return reverse("admin:refunds_chargeback_change", args=[case.pk])


def transition_url(case, name):
    return reverse("admin:refunds_chargeback_transition", args=[case.pk, name])


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def evaluated_shortage(account):
    """A shortage claim whose PO and ASN are synced, judged once: it needs a proof of delivery."""
    md.make_po(account)
    md.make_shipment(account)
    md.make_invoice(account)
    case = md.make_chargeback(account)
    evaluate_chargebacks([case.id], now=md.NOW)
    return reload(case)


@pytest.fixture
def shortage_without_pod(account):
    """The same claim with no carrier POD synced: the verdict asks for one."""
    md.make_po(account)
    md.make_shipment(account, bol="")
    md.make_invoice(account)
    case = md.make_chargeback(account)
    evaluate_chargebacks([case.id], now=md.NOW)
    return reload(case)


# --- the decision leads ----------------------------------------------------------------------------


def test_case_page_leads_with_the_decision_above_the_facts(client, ops, evaluated_shortage):
    client.force_login(ops)
    html = client.get(change_url(evaluated_shortage)).content.decode()
    decision = html.index('id="decision"')
    assert decision < html.index('id="workflow"') < html.index("Deduction as Amazon issued it")
    panel = html[decision : html.index("</section>", decision)]
    for words in ("Expected recovery", "Amazon&#x27;s last day", "Our target", "Next", "Why", "ASNs shipped"):
        assert words in panel, words
    assert "240.00 USD" in panel and "240.0000" not in html


def test_the_approval_page_shows_the_same_decision(client, ops, manager, account):
    case = walk(make_chargeback(account), S.PENDING_APPROVAL, ops=ops, manager=manager)
    evaluate_chargebacks([case.id])
    client.force_login(manager)
    page = client.get(change_url(case)).content.decode()
    assert f'href="{transition_url(case, "approve_dispute")}"' in page  # approving goes through the decision
    approval = client.get(transition_url(case, "approve_dispute")).content.decode()
    assert 'id="decision"' in approval and "Expected recovery" in approval and 'id="confirm-transition"' in approval
    response = client.post(transition_url(case, "approve_dispute"), {"version": reload(case).workflow_version})
    assert response.status_code == 302 and reload(case).state == S.APPROVED


def test_rule_notes_read_as_sentences_with_sources_behind_a_link():
    note = (
        "Before the 2-year cap: 5 years (Threecolts) or 7 years (Refunzo, AMZ Sellers Attorney) — the safer 5 years "
        "is used, counted from the invoice date (earlier than the deduction date). Sources disagree. "
        "Evidence: carton-level (SSCC/AMZNCC) data; a second dispute within 30 days (amalytix)."
    )
    sentences = plain_rule_note(note, ["https://www.threecolts.com/x", "https://www.amalytix.com/y"])
    text = " ".join(sentences)
    assert "Threecolts" not in text and "AMZ Sellers Attorney" not in text and "amalytix" not in text
    assert "Sources" not in text
    assert "(earlier than the deduction date)" in text and "(SSCC/AMZNCC)" in text
    assert sentences[0].startswith("Before the 2-year cap: 5 years or 7 years — the safer 5 years is used")


def test_the_case_page_shows_the_whole_rule_note_and_its_sources(client, ops, evaluated_shortage):
    rule = evaluated_shortage.assessment.rule
    client.force_login(ops)
    html = client.get(change_url(evaluated_shortage)).content.decode()
    assert plain_rule_note(rule.note, rule.sources)[-1] in html  # the last sentence whole: nothing cut
    assert f'href="{rule.sources[0]}"' in html


def test_uploading_the_pod_re_evaluates_at_once_even_without_a_worker(
    client, ops, shortage_without_pod, monkeypatch, django_capture_on_commit_callbacks
):
    evaluated_shortage = shortage_without_pod
    # No task queue runs: the verdict must still be current after the upload.
    monkeypatch.setattr("refunds.services.matching.evaluate.async_task", lambda *args, **kwargs: None)
    assert "proof_of_delivery" in evaluated_shortage.assessment.evidence_missing
    client.force_login(ops)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:refunds_chargeback_evidence", args=[evaluated_shortage.pk]),
            {"kind": EvidenceKind.PROOF_OF_DELIVERY, "file": upload(PDF_BYTES, "pod.pdf")},
        )
    html = client.get(change_url(evaluated_shortage)).content.decode()
    assert "proof_of_delivery" not in reload(evaluated_shortage).assessment.evidence_missing
    missing = html[html.index('id="decision-missing"') :][:300]
    assert "Proof of delivery" not in missing


# --- checks with holes -----------------------------------------------------------------------------


def test_filing_date_before_the_deduction_is_refused(ops, manager, account):
    case = walk(make_chargeback(account, issue_date=today() - timedelta(days=10)), S.APPROVED, ops=ops, manager=manager)
    with pytest.raises(ValidationError) as refused:
        workflow.file_dispute(chargeback=case, actor=ops, amazon_case_id="C-1", filed_on=case.issue_date - timedelta(1))
    assert "before the deduction" in str(refused.value)
    done = workflow.file_dispute(chargeback=reload(case), actor=ops, amazon_case_id="C-1", filed_on=case.issue_date)
    assert done.filed_on == case.issue_date


def test_filing_date_is_checked_against_the_marketplaces_today(ops, manager, org, time_machine):
    from acorn_portal.models import VendorAccount

    japan = VendorAccount.objects.create(organization=org, name="Acme JP", vendor_codes="ACMEJ", marketplace="JP")
    # 20:00 UTC on 1 March is already 2 March in Tokyo: 2 March is today there, not the future.
    time_machine.move_to("2027-03-01T20:00:00Z", tick=False)
    case = walk(
        make_chargeback(japan, currency="JPY", amount=Decimal("2500"), issue_date=date(2027, 2, 20), due_on=None),
        S.APPROVED,
        ops=ops,
        manager=manager,
    )
    done = workflow.file_dispute(chargeback=case, actor=ops, amazon_case_id="C-J", filed_on=date(2027, 3, 2))
    assert done.filed_on == date(2027, 3, 2)


def approved_by_amazon(case, *, ops, manager, finance, amount):
    case = walk(case, S.DISPUTED, ops=ops, manager=manager)
    return workflow.record_amazon_approval(chargeback=case, actor=finance, amount=amount)


def test_recovery_above_what_amazon_approved_needs_a_confirmation_and_a_reason(ops, manager, finance, account):
    case = approved_by_amazon(make_chargeback(account), ops=ops, manager=manager, finance=finance, amount="120.00")
    with pytest.raises(ValidationError) as refused:
        workflow.record_recovery(chargeback=case, actor=finance, amount="130.00", reference="P-1")
    assert "Amazon approved 120.00 USD" in str(refused.value)
    with pytest.raises(ValidationError):
        workflow.record_recovery(
            chargeback=reload(case), actor=finance, amount="130.00", reference="P-1", confirm_above_approved=True
        )
    done = workflow.record_recovery(
        chargeback=reload(case),
        actor=finance,
        amount="130.00",
        reference="P-1",
        confirm_above_approved=True,
        above_approved_reason="Amazon added the fee it had kept",
    )
    assert done.recovered_amount == Decimal("130.00")
    assert "Amazon added the fee it had kept" in done.history.first().history_change_reason


def test_recovery_form_asks_for_the_confirmation_in_the_portal(client, ops, manager, finance, account):
    case = approved_by_amazon(make_chargeback(account), ops=ops, manager=manager, finance=finance, amount="120.00")
    client.force_login(finance)
    data = {"version": case.workflow_version, "amount": "130.00", "reference": "P-1"}
    page = client.post(transition_url(case, "record_recovery"), data).content.decode()
    assert "Amazon approved 120.00 USD" in page and reload(case).state == S.AMAZON_APPROVED
    data |= {"confirm_above_approved": "on", "above_approved_reason": "paid with interest"}
    assert client.post(transition_url(case, "record_recovery"), data).status_code == 302
    assert reload(case).state == S.RECOVERED


def test_money_shows_with_the_currencys_decimals():
    assert format_money(Decimal("143.1400"), "EUR") == "143.14 EUR"
    assert format_money(Decimal("2500.0000"), "JPY") == "2,500 JPY"
    assert format_money(None, "EUR") == "—"


def test_recovery_page_shows_amounts_with_two_decimals(client, ops, manager, finance, account):
    case = approved_by_amazon(
        make_chargeback(account, amount=Decimal("143.14")), ops=ops, manager=manager, finance=finance, amount=None
    )
    client.force_login(finance)
    page = client.get(transition_url(case, "record_recovery")).content.decode()
    assert "143.14 USD" in page and "143.1400" not in page
    history = client.get(change_url(case)).content.decode()
    assert "143.1400" not in history


def test_remittance_picker_lists_the_accounts_credits(account, other_account):
    case = make_chargeback(account, amazon_id="SC-PICK")
    remittance = Remittance.objects.create(
        account=account, payment_number="P-77", payment_date=today(), amount=Decimal("90"), currency="USD"
    )
    line = RemittanceLine.objects.create(
        remittance=remittance, line_number=1, invoice_number="RVRS-991", amount=Decimal("90"), currency="USD"
    )
    theirs = Remittance.objects.create(
        account=other_account, payment_number="P-99", payment_date=today(), amount=Decimal("90"), currency="USD"
    )
    RemittanceLine.objects.create(
        remittance=theirs, line_number=1, invoice_number="RVRS-992", amount=Decimal("90"), currency="USD"
    )
    choices = dict(RecoveryForm(chargeback=case).fields["remittance_line"].choices)
    assert str(line.pk) in choices and "P-77" in choices[str(line.pk)] and "90.00 USD" in choices[str(line.pk)]
    assert not any("P-99" in label for label in choices.values())


def test_the_accepted_file_kinds_are_exactly_the_checked_ones(client, ops, account):
    text = accepted_kinds_text()
    assert "ZIP" not in text
    assert all(file_type.label in text for file_type in EVIDENCE_TYPES)
    assert EvidenceForm().fields["file"].help_text.startswith(text)
    client.force_login(ops)
    page = client.get(change_url(make_chargeback(account))).content.decode()
    assert text in page and "or ZIP" not in page


# --- evidence --------------------------------------------------------------------------------------


def test_several_files_at_once(client, ops, account):
    case = make_chargeback(account)
    client.force_login(ops)
    response = client.post(
        reverse("admin:refunds_chargeback_evidence", args=[case.pk]),
        {"kind": EvidenceKind.PROOF_OF_DELIVERY, "file": [upload(PDF_BYTES, "a.pdf"), upload(PDF_BYTES, "b.pdf")]},
    )
    assert messages_of(response) == ["Evidence added (2 files)."]
    assert sorted(case.evidence.values_list("original_name", flat=True)) == ["a.pdf", "b.pdf"]


def test_one_bad_file_keeps_none_of_the_batch(client, ops, account):
    case = make_chargeback(account)
    client.force_login(ops)
    client.post(
        reverse("admin:refunds_chargeback_evidence", args=[case.pk]),
        {"kind": EvidenceKind.PROOF_OF_DELIVERY, "file": [upload(PDF_BYTES, "a.pdf"), upload(b"MZ\x90\x00", "x.exe")]},
    )
    assert not case.evidence.exists()


def test_one_pod_attached_to_many_cases_from_the_case_list(client, ops, account, other_account):
    cases = [make_chargeback(account) for _ in range(3)]
    client.force_login(ops)
    url = reverse("admin:refunds_chargeback_changelist")
    selection = {"action": "attach_evidence_action", "_selected_action": [c.pk for c in cases]}
    form_page = client.post(url, selection).content.decode()
    assert 'enctype="multipart/form-data"' in form_page
    response = client.post(
        url, {**selection, "apply": "1", "kind": EvidenceKind.PROOF_OF_DELIVERY, "file": upload(PDF_BYTES, "pod.pdf")}
    )
    assert response.status_code == 302
    assert all(c.evidence.current().count() == 1 for c in cases)
    assert "pod.pdf attached to 3 case(s)." in messages_of(response)


def test_attaching_to_another_organizations_case_attaches_nothing(client, ops, account, other_account):
    mine, theirs = make_chargeback(account), make_chargeback(other_account)
    client.force_login(ops)
    client.post(
        reverse("admin:refunds_chargeback_changelist"),
        {
            "action": "attach_evidence_action",
            "_selected_action": [mine.pk, theirs.pk],
            "apply": "1",
            "kind": EvidenceKind.PROOF_OF_DELIVERY,
            "file": upload(PDF_BYTES, "pod.pdf"),
        },
    )
    assert not theirs.evidence.exists()


def test_a_wrong_upload_is_removed_softly_and_shows_in_the_timeline(client, ops, account):
    case = workflow.start_review(chargeback=make_chargeback(account), actor=ops)
    wrong = add_pod(case, ops, name="wrong-po.pdf")
    assert not case.missing_evidence()
    client.force_login(ops)
    url = reverse("admin:refunds_chargeback_remove_evidence", args=[case.pk, wrong.uuid])
    client.post(url, {"reason": "POD of another PO"})
    wrong.refresh_from_db()
    assert wrong.removed_at is not None and wrong.removed_by == ops
    assert reload(case).missing_evidence()  # it no longer counts
    timeline = client.get(change_url(case)).content.decode()
    timeline = timeline[timeline.index('id="timeline"') :]
    assert "uploaded Proof of delivery wrong-po.pdf" in timeline
    assert "removed Proof of delivery wrong-po.pdf: POD of another PO" in timeline


def test_evidence_cannot_be_removed_after_filing_nor_by_another_organization(client, ops, manager, outsider, account):
    case = walk(make_chargeback(account), S.DISPUTED, ops=ops, manager=manager)
    item = case.evidence.first()
    with pytest.raises(ValidationError):
        remove_evidence(evidence=item, actor=ops, reason="oops")
    client.force_login(outsider)
    url = reverse("admin:refunds_chargeback_remove_evidence", args=[case.pk, item.uuid])
    assert client.post(url, {"reason": "x"}).status_code == 404


def test_evidence_changed_after_approval_needs_a_new_approval(ops, manager, account):
    case = walk(make_chargeback(account), S.APPROVED, ops=ops, manager=manager)
    add_evidence(chargeback=case, actor=ops, kind=EvidenceKind.PHOTOS, upload=upload(PDF_BYTES, "late.pdf"))
    case = reload(case)
    assert case.state == S.PENDING_APPROVAL and case.approved_by is None
    assert "evidence changed" in case.history.first().history_change_reason
    case = workflow.approve_dispute(chargeback=case, actor=manager)
    assert case.state == S.APPROVED


# --- the packet argues -----------------------------------------------------------------------------


def test_the_packet_argues_the_case_in_the_order_of_the_dispute_form(ops, manager, account):
    from refunds.services.packets import packet_sections
    from refunds.services.related import related_documents

    md.make_po(account)
    md.make_shipment(account)
    md.make_invoice(account)
    case = md.make_chargeback(account, quantity=24)
    evaluate_chargebacks([case.id], now=md.NOW)
    case = reload(case)
    sections = packet_sections(case, related_documents(case), ["INV1001SC_POD_1.pdf"])
    assert [heading for heading, _ in sections] == [
        "Dispute",
        "What Amazon claims",
        "What our documents show",
        "Our request",
        "Attachments",
    ]
    rows = {heading: dict(items) for heading, items in sections}
    assert rows["Dispute"]["Amount requested"] == "240.00 USD, 24 units"
    assert rows["What Amazon claims"]["Claim"].startswith("Amazon deducted 240.00 USD for 24 units")
    shown = " ".join(text for _, text in dict(sections)["What our documents show"])
    assert "ASNs shipped 120 units in all" in shown and case.assessment.summary in shown
    assert rows["Our request"]["Request"] == "Please reverse 240.00 USD (24 units) of deduction INV1001SC."
    assert rows["Attachments"]["File"] == "INV1001SC_POD_1.pdf"


def test_the_packet_asks_only_for_the_disputable_part(account):
    from refunds.models import ChargebackAssessment
    from refunds.services.packets import requested

    case = make_chargeback(account, amount=Decimal("250.00"), quantity=10)
    ChargebackAssessment.objects.create(
        chargeback=case,
        recommendation="dispute",
        match_status="matched",
        expected_recovery=Decimal("100.00"),
        currency="USD",
        confidence=Decimal("0.9"),
        summary="4 units short of 10 were delivered",
        evaluated_at=md.NOW,
    )
    assert requested(reload(case)) == (Decimal("100.00"), 4)
