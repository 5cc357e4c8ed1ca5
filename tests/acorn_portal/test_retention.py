"""Retention: each organization's policy, a purge that removes exactly what is past it, and its record."""

from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from acorn_portal import retention, tasks
from acorn_portal.models import AuditAction, AuditEvent, PurgeRecord, RetentionPolicy
from acorn_portal.roles import Role
from acorn_portal.schedules import SCHEDULES, install_schedules
from datasources.models import DataSource, FileImport, SyncRun, SyncStatus
from datasources.services.imports import import_report_file
from refunds.choices import ChargebackState as S
from refunds.models import Chargeback, Comment, DisputePacket, Evidence
from refunds.services import workflow
from refunds.services.comments import add_comment
from refunds.services.packets import build_packet
from tests.conftest import PASSWORD, make_member
from tests.refunds.cases import add_pod, make_chargeback, walk

pytestmark = pytest.mark.django_db
NOW = timezone.now().replace(microsecond=0)
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)
CSV = b"Issue ID,Chargeback Type,Amount,Issue Date\n9001,Prep,5.00,03/04/2025\n"


def closed_case(account, ops, closed_at, amazon_id, *, evidence=True):
    """A case closed through the workflow (accepted), with evidence and a comment, closed at `closed_at`."""
    case = make_chargeback(account, amazon_id=amazon_id)
    if evidence:
        add_pod(case, ops)
    add_comment(chargeback=case, actor=ops, body="checked the POD")
    case = workflow.accept_deduction(chargeback=case, actor=ops, reason="valid deduction")
    Chargeback.objects.filter(pk=case.pk).update(state_changed_at=closed_at, decided_at=closed_at)
    return case


def stored(model_rows) -> list[Path]:
    return [Path(row.file.path) for row in model_rows]


def set_policy(org, **days):
    RetentionPolicy.objects.update_or_create(organization=org, defaults=days)


def purge(django_capture_on_commit_callbacks, **kwargs):
    # Files are deleted after each batch's commit: run those callbacks as a real commit would.
    with django_capture_on_commit_callbacks(execute=True):
        return retention.purge_expired(now=NOW, **kwargs)


def test_closed_cases_go_exactly_at_the_boundary_with_their_files_comments_and_history(
    account, ops, org, django_capture_on_commit_callbacks
):
    set_policy(org, closed_cases_days=365, evidence_days=None, sync_payload_days=None)
    inside = closed_case(account, ops, NOW - 365 * DAY, "INSIDE")
    outside = closed_case(account, ops, NOW - 365 * DAY - SECOND, "OUTSIDE")
    inside_files, outside_files = stored(inside.evidence.all()), stored(outside.evidence.all())
    assert all(path.is_file() for path in inside_files + outside_files)

    (result,) = purge(django_capture_on_commit_callbacks)

    assert set(Chargeback.objects.values_list("amazon_id", flat=True)) == {"INSIDE"}
    assert not Evidence.objects.filter(chargeback_id=outside.pk).exists()
    assert not Comment.objects.filter(chargeback_id=outside.pk).exists()
    assert not Chargeback.history.filter(id=outside.pk).exists(), "its history goes with it"
    assert not Evidence.history.filter(chargeback_id=outside.pk).exists()
    assert not any(path.exists() for path in outside_files), "files really deleted from storage"
    assert all(path.is_file() for path in inside_files)
    assert result.counts == {"closed_cases": 1, "evidence_files": 1}
    record = PurgeRecord.objects.get(organization=org)
    assert record.counts == {"closed_cases": 1, "evidence_files": 1} and record.trigger == "schedule"
    assert record.windows == {"closed_cases_days": 365, "evidence_days": None, "sync_payload_days": None}
    event = AuditEvent.objects.get(action=AuditAction.PURGE)
    assert (event.organization, event.detail["counts"]) == (org, {"closed_cases": 1, "evidence_files": 1})
    assert event.object_id == str(record.pk)

    (again,) = purge(django_capture_on_commit_callbacks)
    assert again.total == 0 and Chargeback.objects.count() == 1, "a second purge removes nothing"
    assert AuditEvent.objects.filter(action=AuditAction.PURGE).count() == 1, "nothing removed: no audit row"
    assert PurgeRecord.objects.filter(organization=org).count() == 2, "every run is on record"


@pytest.mark.parametrize("state", [S.NEW, S.IN_REVIEW, S.PENDING_APPROVAL, S.DISPUTED, S.DENIED])
def test_open_cases_are_never_purged_whatever_their_age(
    account, ops, manager, finance, org, state, django_capture_on_commit_callbacks
):
    set_policy(org, closed_cases_days=1, evidence_days=1, sync_payload_days=1)
    case = make_chargeback(account, amazon_id="OPEN")
    add_pod(case, ops)
    if state != S.NEW:
        case = walk(case, state, ops=ops, manager=manager, finance=finance)
    ancient = NOW - 20 * 365 * DAY
    Chargeback.objects.filter(pk=case.pk).update(state_changed_at=ancient, decided_at=ancient, created_at=ancient)
    Evidence.objects.filter(chargeback=case).update(uploaded_at=ancient)
    files = stored(Evidence.objects.filter(chargeback=case))

    (result,) = purge(django_capture_on_commit_callbacks)

    assert result.total == 0
    assert Chargeback.objects.get(pk=case.pk).state == state
    assert all(path.is_file() for path in files)


def test_evidence_window_removes_files_and_packets_of_closed_cases_but_keeps_the_cases(
    account, ops, manager, finance, org, django_capture_on_commit_callbacks
):
    set_policy(org, closed_cases_days=3 * 365, evidence_days=30, sync_payload_days=None)
    disputed = walk(make_chargeback(account, amazon_id="PACKET"), S.DISPUTED, ops=ops, manager=manager)
    packet = build_packet(chargeback=disputed, actor=ops)
    denied = workflow.record_amazon_denial(chargeback=disputed, actor=finance, reason="no")
    closed = workflow.write_off(chargeback=denied, actor=finance, reason="gave up")
    Chargeback.objects.filter(pk=closed.pk).update(state_changed_at=NOW - 30 * DAY - SECOND, decided_at=None)
    recent = closed_case(account, ops, NOW - 30 * DAY, "RECENT")
    gone = stored(Evidence.objects.filter(chargeback=closed)) + [Path(packet.file.path)]
    kept = stored(recent.evidence.all())
    dry = retention.purge_expired(now=NOW, dry_run=True)[0].counts

    (result,) = purge(django_capture_on_commit_callbacks)

    assert result.counts == dry == {"evidence_files": len(gone), "closed_cases": 0}
    assert Chargeback.objects.filter(pk__in=[closed.pk, recent.pk]).count() == 2, "the cases stay"
    assert not Evidence.objects.filter(chargeback=closed).exists()
    assert not DisputePacket.objects.filter(pk=packet.pk).exists()
    assert not any(path.exists() for path in gone)
    assert all(path.is_file() for path in kept)


def test_each_organization_is_purged_by_its_own_policy_only(
    account, other_account, ops, org, other_org, django_capture_on_commit_callbacks
):
    their_ops = make_member(other_org, "otto", Role.OPERATIONS)
    set_policy(org, closed_cases_days=365)
    set_policy(other_org, closed_cases_days=None, evidence_days=None, sync_payload_days=None)  # keep forever
    ours = closed_case(account, ops, NOW - 400 * DAY, "OURS")
    theirs = closed_case(other_account, their_ops, NOW - 10 * 365 * DAY, "THEIRS")
    their_files = stored(theirs.evidence.all())
    source = DataSource.objects.create(account=other_account, name="Feed", kind="data_feed")
    run = SyncRun.objects.create(
        data_source=source, account=other_account, started_at=NOW - 5000 * DAY, status=SyncStatus.SUCCEEDED,
        request_log=[{"operation": "feed:chargebacks", "status": 200}],
    )  # fmt: skip

    results = purge(django_capture_on_commit_callbacks)

    assert [r.total for r in results] == [2, 0]
    assert not Chargeback.objects.filter(pk=ours.pk).exists()
    assert Chargeback.objects.filter(pk=theirs.pk).exists() and all(path.is_file() for path in their_files)
    assert SyncRun.objects.get(pk=run.pk).request_log, "the other organization keeps its sync logs"
    assert PurgeRecord.objects.get(organization=other_org).counts == {}


def test_sync_logs_and_imported_files_go_at_the_boundary(client, account, ops, org, django_capture_on_commit_callbacks):
    set_policy(org, closed_cases_days=None, evidence_days=None, sync_payload_days=365)
    source = DataSource.objects.create(account=account, name="Feed", kind="data_feed")
    log = [{"operation": "feed:chargebacks", "status": 500, "error": "HTTP 500"}]
    runs = {
        name: SyncRun.objects.create(
            data_source=source, account=account, started_at=NOW - 365 * DAY - extra, status=SyncStatus.FAILED,
            counts={"chargebacks": {"created": 3}}, errors=[{"kind": "chargebacks", "message": "boom"}],
            request_log=log,
        )
        for name, extra in (("inside", timedelta(0)), ("outside", SECOND))
    }  # fmt: skip
    imports = {}
    for name, extra in (("inside", timedelta(0)), ("outside", SECOND)):
        done = import_report_file(account=account, kind="chargebacks", file=SimpleUploadedFile("c.csv", CSV), user=ops)
        FileImport.objects.filter(pk=done.pk).update(created_at=NOW - 365 * DAY - extra)
        imports[name] = done
    files = {name: Path(done.file.path) for name, done in imports.items()}

    (result,) = purge(django_capture_on_commit_callbacks)

    assert result.counts == {"sync_run_logs": 1, "import_files": 1}
    outside, inside = SyncRun.objects.get(pk=runs["outside"].pk), SyncRun.objects.get(pk=runs["inside"].pk)
    assert (outside.request_log, outside.errors, outside.counts) == ([], [], {"chargebacks": {"created": 3}})
    assert outside.log_removed_at is not None and inside.request_log == log and inside.log_removed_at is None
    gone, kept = FileImport.objects.get(pk=imports["outside"].pk), FileImport.objects.get(pk=imports["inside"].pk)
    assert not files["outside"].exists() and files["inside"].is_file()
    assert (gone.file.name, gone.rows) == ("", 1) and gone.file_removed_at is not None
    assert kept.file.name and kept.file_removed_at is None
    client.login(username=ops.username, password=PASSWORD)
    assert client.get(reverse("datasources:import-download", args=[gone.pk])).status_code == 404
    assert client.get(reverse("datasources:import-download", args=[kept.pk])).status_code == 200
    page = client.get(reverse("admin:datasources_fileimport_change", args=[gone.pk])).content.decode()
    assert "Removed under the retention policy" in page


def test_dry_run_prints_what_would_go_and_removes_nothing(account, ops, org, other_org):
    set_policy(org, closed_cases_days=365, evidence_days=30)
    old = closed_case(account, ops, timezone.now() - 400 * DAY, "OLD")
    closed_case(account, ops, timezone.now() - 40 * DAY, "FILES-ONLY")
    files = stored(Evidence.objects.all())

    out = StringIO()
    call_command("purge_expired_data", "--dry-run", stdout=out)

    assert "acme: would remove 1 closed_cases, 2 evidence_files" in out.getvalue()
    assert "closed_cases_days=365, evidence_days=30, sync_payload_days=365" in out.getvalue()
    assert "rival: would remove nothing" in out.getvalue()
    assert "Dry run: nothing was removed." in out.getvalue()
    assert Chargeback.objects.filter(pk=old.pk).exists() and all(path.is_file() for path in files)
    assert not PurgeRecord.objects.exists() and not AuditEvent.objects.filter(action=AuditAction.PURGE).exists()

    out = StringIO()
    call_command("purge_expired_data", "--organization", "acme", stdout=out)
    assert "acme: removed 1 closed_cases, 2 evidence_files" in out.getvalue()
    assert PurgeRecord.objects.get().trigger == "command"


def test_defaults_apply_without_a_saved_policy(account, ops, org, django_capture_on_commit_callbacks):
    closed_case(account, ops, NOW - 3 * 365 * DAY, "KEPT", evidence=False)
    closed_case(account, ops, NOW - 3 * 365 * DAY - SECOND, "GONE", evidence=False)
    (result,) = purge(django_capture_on_commit_callbacks)
    assert result.windows == {"closed_cases_days": 1095, "evidence_days": 1095, "sync_payload_days": 365}
    assert list(Chargeback.objects.values_list("amazon_id", flat=True)) == ["KEPT"]


def test_the_purge_is_a_daily_schedule_installed_after_migrate(account, ops, org):
    install_schedules()
    install_schedules()
    schedule = Schedule.objects.get(name=SCHEDULES[0]["name"])
    assert (schedule.func, schedule.schedule_type) == ("acorn_portal.tasks.purge_expired_data", Schedule.DAILY)
    set_policy(org, closed_cases_days=10)
    closed_case(account, ops, timezone.now() - 11 * DAY, "OLD", evidence=False)
    assert tasks.purge_expired_data() == "1 organization(s): removed 1 closed_cases"


def test_registered_purgers_cover_cases_evidence_and_sync_payloads():
    fields = {purger.policy_field for purger in retention.purgers()}
    assert fields == {"closed_cases_days", "evidence_days", "sync_payload_days"}
    with pytest.raises(ValueError, match="no field"):
        retention.register_purger(retention.Purger("x", "nonsense_days", dict, dict))


def test_organization_admins_edit_their_policy_with_history_managers_only_read(client, org, org_admin, manager):
    client.force_login(org_admin)
    response = client.post(
        reverse("admin:acorn_portal_retentionpolicy_add"),
        {"organization": org.pk, "closed_cases_days": "365", "evidence_days": "", "sync_payload_days": "90"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    policy = RetentionPolicy.objects.get(organization=org)
    assert (policy.closed_cases_days, policy.evidence_days, policy.sync_payload_days) == (365, None, 90)
    assert policy.history.get().history_user == org_admin
    client.force_login(manager)
    url = reverse("admin:acorn_portal_retentionpolicy_change", args=[policy.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"closed_cases_days": "1"}).status_code == 403
    assert RetentionPolicy.objects.get(pk=policy.pk).closed_cases_days == 365


def test_a_purge_that_stops_says_so_and_keeps_what_it_did(account, ops, org, monkeypatch):
    set_policy(org, closed_cases_days=10, evidence_days=None, sync_payload_days=None)
    closed_case(account, ops, NOW - 11 * DAY, "OLD", evidence=False)
    registered = dict(retention._PURGERS)

    def broken(organization_id, now, policy):
        raise RuntimeError("storage unavailable")

    monkeypatch.setitem(
        retention._PURGERS, "zz broken", retention.Purger("zz broken", "closed_cases_days", broken, broken)
    )
    (result,) = retention.purge_expired(now=NOW)
    assert result.counts == {"closed_cases": 1, "evidence_files": 0}
    assert result.error == "RuntimeError: storage unavailable"
    record = PurgeRecord.objects.get()
    assert record.error == result.error and record.counts == result.counts
    assert AuditEvent.objects.get(action=AuditAction.PURGE).detail["error"] == result.error
    assert set(retention._PURGERS) == set(registered) | {"zz broken"}
