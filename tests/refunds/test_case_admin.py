"""The case page in the admin: buttons, crafted POSTs, stale pages, uploads, bulk actions, queues, scoping."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.urls import reverse

from refunds.choices import ChargebackState, EvidenceKind
from refunds.models import Chargeback
from refunds.services import workflow
from refunds.services.evidence import add_evidence
from tests.refunds.cases import PDF_BYTES, add_pod, make_chargeback, reload, today, upload, walk

S = ChargebackState


def change_url(case):
    return reverse("admin:refunds_chargeback_change", args=[case.pk])


def transition_url(case, name):
    return reverse("admin:refunds_chargeback_transition", args=[case.pk, name])


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def case(account):
    return make_chargeback(account, amazon_id="SC77")


def test_case_page_shows_facts_panels_and_only_the_users_buttons(client, case, ops):
    client.force_login(ops)
    response = client.get(change_url(case))
    assert response.status_code == 200
    html = response.content.decode()
    for panel in ('id="workflow"', 'id="evidence"', 'id="documents"', 'id="approvals"', 'id="comments"'):
        assert panel in html
    assert 'id="transition-start_review"' in html and 'id="transition-accept_deduction"' in html
    assert 'id="transition-approve_dispute"' not in html
    assert "due in 20 days" in html
    assert "missing: Bill of lading or Proof of delivery" in html


def test_a_button_runs_the_service_with_the_user_as_actor(client, case, ops):
    client.force_login(ops)
    response = client.post(transition_url(case, "start_review"), {"version": case.workflow_version})
    assert response.status_code == 302
    case = reload(case)
    assert case.state == S.IN_REVIEW and case.history.first().history_user == ops
    assert messages_of(response) == ["Start review: done."]


def test_crafted_post_of_a_transition_the_user_may_not_take_is_refused(client, case, ops, manager):
    case = walk(case, S.PENDING_APPROVAL, ops=ops, manager=manager)
    client.force_login(ops)  # operations may not approve
    response = client.post(transition_url(case, "approve_dispute"), {"version": case.workflow_version})
    assert response.status_code == 302
    assert reload(case).state == S.PENDING_APPROVAL
    assert messages_of(response) == ["Approve dispute: You may not “Approve dispute” on this case."]


def test_crafted_post_by_the_preparer_is_refused_four_eyes(client, case, manager):
    case = walk(case, S.PENDING_APPROVAL, ops=manager, manager=manager)
    client.force_login(manager)
    response = client.get(change_url(case))
    assert 'id="transition-approve_dispute"' not in response.content.decode()
    response = client.post(transition_url(case, "approve_dispute"), {"version": case.workflow_version})
    assert reload(case).state == S.PENDING_APPROVAL
    assert any("four eyes" in m for m in messages_of(response))


def test_unknown_or_non_transition_names_are_404(client, case, ops):
    client.force_login(ops)
    assert client.post(transition_url(case, "delete"), {}).status_code == 404
    assert client.post(transition_url(case, "_clear_approvals"), {}).status_code == 404


def test_stale_page_is_told_the_case_changed(client, case, ops, manager):
    case = walk(case, S.PENDING_APPROVAL, ops=ops, manager=manager)
    seen = case.workflow_version
    workflow.send_back(chargeback=case, actor=manager, comment="redo")
    client.force_login(ops)
    response = client.post(transition_url(case, "accept_deduction"), {"version": seen, "reason": "valid after all"})
    assert reload(case).state == S.IN_REVIEW
    assert messages_of(response) == [
        "This case changed while you were looking at it. Reload it to see what changed, then try again."
    ]


def test_transition_form_validates_and_shows_service_errors(client, case, ops, manager, finance):
    case = walk(case, S.APPROVED, ops=ops, manager=manager)
    client.force_login(finance)  # finance does not file disputes: no form for them
    assert client.get(transition_url(case, "file_dispute")).status_code == 302
    client.force_login(ops)
    assert client.get(transition_url(case, "file_dispute")).status_code == 200
    future = (today() + timedelta(days=3)).isoformat()
    response = client.post(transition_url(case, "file_dispute"), {"amazon_case_id": "77", "filed_on": future})
    assert response.status_code == 200 and "cannot be in the future" in response.content.decode()
    response = client.post(
        transition_url(case, "file_dispute"), {"amazon_case_id": "A-77", "version": case.workflow_version}
    )
    assert response.status_code == 302
    assert (reload(case).state, reload(case).filed_case_id) == (S.DISPUTED, "A-77")


def test_upload_comment_assign_and_packet_from_the_case_page(client, case, ops, manager):
    client.force_login(ops)
    evidence_url = reverse("admin:refunds_chargeback_evidence", args=[case.pk])
    response = client.post(evidence_url, {"kind": EvidenceKind.PROOF_OF_DELIVERY, "file": upload(PDF_BYTES, "p.pdf")})
    assert messages_of(response) == ["Evidence added (1 file)."]
    response = client.post(evidence_url, {"kind": EvidenceKind.PHOTOS, "file": upload(b"MZ\x00\x01", "a.png")})
    assert any("Unsupported file type" in m for m in messages_of(response))
    assert case.evidence.count() == 1
    client.post(reverse("admin:refunds_chargeback_comment", args=[case.pk]), {"body": "@maria have a look"})
    assert list(case.comments.get().mentions.all()) == [manager]
    client.post(reverse("admin:refunds_chargeback_assign", args=[case.pk]), {"to_me": "1", "version": 0})
    assert reload(case).assignee == ops
    case = walk(case, S.IN_REVIEW, ops=ops, manager=manager)
    response = client.post(reverse("admin:refunds_chargeback_packet", args=[case.pk]))
    assert "Dispute packet built" in messages_of(response)[-1]
    assert case.packets.count() == 1


@pytest.mark.parametrize("name", ["transition/start_review", "assign", "evidence", "comment", "packet"])
def test_another_organizations_user_gets_404_on_every_case_endpoint(client, case, outsider, name):
    client.force_login(outsider)
    kind, _, transition = name.partition("/")
    url = (
        transition_url(case, transition)
        if kind == "transition"
        else reverse(f"admin:refunds_chargeback_{kind}", args=[case.pk])
    )
    assert client.post(url, {"to_me": "1", "body": "x", "kind": "pod"}).status_code == 404
    assert reload(case).state == S.NEW and reload(case).assignee is None


def test_another_organization_cannot_open_the_case_page(client, case, outsider):
    client.force_login(outsider)
    response = client.get(change_url(case))
    assert response.status_code == 302 and case.amazon_id not in response.content.decode()


def test_bulk_actions_go_through_the_services_and_report_each_failure(client, account, ops, manager):
    ready = walk(make_chargeback(account, amazon_id="READY"), S.IN_REVIEW, ops=ops, manager=manager)
    add_pod(ready, ops)
    no_evidence = workflow.start_review(chargeback=make_chargeback(account, amazon_id="BARE"), actor=ops)
    client.force_login(ops)
    changelist = reverse("admin:refunds_chargeback_changelist")
    response = client.post(
        changelist,
        {"action": "request_approval_action", "_selected_action": [ready.pk, no_evidence.pk]},
        follow=True,
    )
    texts = messages_of(response)
    assert "1 case(s) sent for approval." in texts
    assert any(t.startswith("BARE: Missing evidence") for t in texts)
    assert reload(ready).state == S.PENDING_APPROVAL

    response = client.post(changelist, {"action": "assign_to_me_action", "_selected_action": [no_evidence.pk]})
    assert reload(no_evidence).assignee == ops

    page = client.post(changelist, {"action": "accept_action", "_selected_action": [no_evidence.pk]})
    assert page.status_code == 200 and b"Accept the selected deductions" in page.content
    client.post(
        changelist,
        {"action": "accept_action", "_selected_action": [no_evidence.pk], "apply": "1", "reason": "valid"},
    )
    assert reload(no_evidence).state == S.ACCEPTED


def test_bulk_assign_to_a_colleague(client, account, ops, manager):
    cases = [make_chargeback(account) for _ in range(2)]
    client.force_login(manager)
    client.post(
        reverse("admin:refunds_chargeback_changelist"),
        {"action": "assign_action", "_selected_action": [c.pk for c in cases], "apply": "1", "assignee": ops.pk},
    )
    assert [reload(c).assignee for c in cases] == [ops, ops]


def test_queues_are_one_click_from_the_start_page(client, account, ops, manager):
    mine = make_chargeback(account, amazon_id="MINE1")
    from refunds.services.assignment import assign_to_me

    assign_to_me(chargeback=mine, actor=ops)
    make_chargeback(account, amazon_id="FREE1", due_on=today() + timedelta(days=3))
    client.force_login(ops)
    index = client.get(reverse("admin:index"), follow=True).content.decode()  # the start page: the dashboard
    for key in ("mine", "due7", "unassigned", "decided"):
        assert f'id="queue-{key}"' in index
    changelist = reverse("admin:refunds_chargeback_changelist")
    assert [c.amazon_id for c in client.get(changelist + "?queue=mine").context["cl"].result_list] == ["MINE1"]
    assert [c.amazon_id for c in client.get(changelist + "?queue=unassigned").context["cl"].result_list] == ["FREE1"]
    assert [c.amazon_id for c in client.get(changelist + "?queue=due7").context["cl"].result_list] == ["FREE1"]


def test_waiting_for_my_approval_queue(client, account, ops, manager):
    pending = walk(make_chargeback(account, amazon_id="PEND"), S.PENDING_APPROVAL, ops=ops, manager=manager)
    client.force_login(manager)
    url = reverse("admin:refunds_chargeback_changelist") + "?queue=approval"
    assert [c.pk for c in client.get(url).context["cl"].result_list] == [pending.pk]
    client.force_login(ops)
    assert list(client.get(url).context["cl"].result_list) == []


def test_history_cannot_be_deleted_or_reverted_from_the_portal(client, case, ops, superuser):
    workflow.start_review(chargeback=case, actor=ops)
    history_model = Chargeback.history.model
    assert history_model not in admin.site._registry
    client.force_login(superuser)
    assert client.get(reverse("admin:refunds_chargeback_delete", args=[case.pk])).status_code == 403
    version = case.history.last()
    revert_url = reverse("admin:refunds_chargeback_simple_history", args=[case.pk, version.history_id])
    response = client.post(revert_url, {})
    assert response.status_code == 403
    assert reload(case).state == S.IN_REVIEW
    assert case.history.count() == 2


def test_evidence_admin_is_read_only_and_scoped(client, case, ops, outsider):
    evidence = add_evidence(chargeback=case, actor=ops, kind=EvidenceKind.OTHER, upload=upload(PDF_BYTES))
    client.force_login(outsider)
    listing = client.get(reverse("admin:refunds_evidence_changelist"))
    assert evidence.original_name not in listing.content.decode() or listing.status_code == 403
    client.force_login(ops)
    assert client.get(reverse("admin:refunds_evidence_changelist")).status_code == 200
    assert client.post(reverse("admin:refunds_evidence_delete", args=[evidence.pk])).status_code == 403


def test_re_evaluate_action_judges_the_selected_cases_of_the_users_organization_only(
    client, account, other_account, ops
):
    from refunds.models import ChargebackAssessment

    mine = make_chargeback(account, amazon_id="1146273739", family="operational_chargeback", deduction_type="prep")
    theirs = make_chargeback(other_account, amazon_id="1146273740", family="operational_chargeback")
    client.force_login(ops)
    response = client.post(
        reverse("admin:refunds_chargeback_changelist"),
        {"action": "evaluate_action", "_selected_action": [mine.pk, theirs.pk]},
        follow=True,
    )
    assert "Re-evaluated 1 cases; 1 changed." in messages_of(response)
    assert ChargebackAssessment.objects.get(chargeback=mine).recommendation == "needs_evidence"
    assert not ChargebackAssessment.objects.filter(chargeback=theirs).exists()
