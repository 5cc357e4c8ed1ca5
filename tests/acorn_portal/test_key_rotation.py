"""rotate_encryption_key: every encrypted value moves to the newest key, nothing is lost, bad keys stop it."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db.models import ExpressionWrapper, F, TextField
from django.test import override_settings

from acorn_portal.crypto import DecryptionError
from acorn_portal.models import AuditAction, AuditEvent
from acorn_portal.services import keyrotation
from datasources.models import DataSource, DataSourceKind

pytestmark = pytest.mark.django_db

NEW_KEY = Fernet.generate_key().decode()
FOREIGN_KEY = Fernet.generate_key().decode()


def raw_tokens() -> dict[int, str]:
    rows = DataSource.objects.annotate(t=ExpressionWrapper(F("credentials"), output_field=TextField()))
    return dict(rows.values_list("pk", "t"))


def make_sources(account, other_account, count=5) -> dict[int, dict]:
    expected = {}
    for index in range(count):
        source = DataSource(
            account=account if index % 2 else other_account, name=f"Feed {index}", kind=DataSourceKind.DATA_FEED
        )
        source.set_credentials({"api_key": f"key-{index}-secret", "client_secret": f"cs-{index}"})
        source.save()
        expected[source.pk] = source.credential_values()
    DataSource.objects.create(account=account, name="No credentials", kind=DataSourceKind.DATA_FEED)
    return expected


def decrypted() -> dict[int, dict]:
    return {s.pk: s.credential_values() for s in DataSource.objects.exclude(credentials="")}


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("rotate_encryption_key", *args, stdout=out)
    return out.getvalue()


def test_encrypted_fields_are_discovered_by_introspection():
    labels = {f"{model._meta.label}.{field.name}" for model, field in keyrotation.encrypted_fields()}
    assert "datasources.DataSource.credentials" in labels
    assert not any("Historical" in label for label in labels), "history tables never hold the secrets"


def test_rotation_round_trips_old_key_to_new_key_and_the_old_key_can_go(settings, account, other_account):
    old_key = settings.ENCRYPTION_KEYS[0]
    expected = make_sources(account, other_account)
    before = raw_tokens()

    with override_settings(ENCRYPTION_KEYS=[NEW_KEY, old_key]):
        with pytest.raises(CommandError, match="5 value"):
            run("--check")
        output = run("--batch-size", "2")
        assert "datasources.DataSource.credentials: 5 value(s), 5 re-encrypted, 0 already on the newest key" in output
        assert "Done: 5 value(s) re-encrypted" in output
        assert "0 not on the newest key" in run("--check")
        again = run()
        assert "0 re-encrypted, 5 already on the newest key" in again, "a second run changes nothing"

    after = raw_tokens()
    assert all(after[pk] != before[pk] for pk in expected), "every token was rewritten"
    assert "secret" not in "".join(after.values())
    with override_settings(ENCRYPTION_KEYS=[NEW_KEY]):  # the old key dropped
        assert decrypted() == expected, "nothing lost"
        assert DataSource.objects.get(name="No credentials").credentials == ""
    event = AuditEvent.objects.get(action=AuditAction.KEY_ROTATION, detail__rotated=5)
    # Every encrypted field of every app is visited (webhook secrets, alert channel URLs ...); only the
    # credentials held values here.
    rotated = {field: count for field, count in event.detail["fields"].items() if count}
    assert rotated == {"datasources.DataSource.credentials": 5}
    assert "developer.WebhookEndpoint.secret" in event.detail["fields"]


def test_an_interrupted_rotation_resumes_where_it_stopped(settings, account, other_account, monkeypatch):
    old_key = settings.ENCRYPTION_KEYS[0]
    expected = make_sources(account, other_account)
    real_batch = keyrotation._rotate_batch
    calls = []

    def dies_on_the_second_batch(*args):
        calls.append(1)
        if len(calls) == 2:
            raise SystemExit("worker killed")
        real_batch(*args)

    with override_settings(ENCRYPTION_KEYS=[NEW_KEY, old_key]):
        monkeypatch.setattr(keyrotation, "_rotate_batch", dies_on_the_second_batch)
        with pytest.raises(SystemExit):
            run("--batch-size", "2")
        monkeypatch.undo()
        with pytest.raises(CommandError, match="3 value"):
            run("--check")
        output = run("--batch-size", "2")
        assert "5 value(s), 3 re-encrypted, 2 already on the newest key" in output
    with override_settings(ENCRYPTION_KEYS=[NEW_KEY]):
        assert decrypted() == expected


def test_a_value_under_an_unknown_key_stops_the_command_and_changes_nothing(settings, account, other_account):
    old_key = settings.ENCRYPTION_KEYS[0]
    make_sources(account, other_account)
    with override_settings(ENCRYPTION_KEYS=[FOREIGN_KEY]):
        stray = DataSource(account=account, name="Stray", kind=DataSourceKind.DATA_FEED)
        stray.set_credentials({"api_key": "from-another-installation"})
        stray.save()
    before = raw_tokens()

    with override_settings(ENCRYPTION_KEYS=[NEW_KEY, old_key]):
        with pytest.raises(CommandError) as excinfo:
            run()
        message = str(excinfo.value)
        assert "cannot be decrypted with any key in ACORN_ENCRYPTION_KEYS" in message
        assert f"datasources.DataSource.credentials (primary keys {stray.pk})" in message
        assert "Nothing was changed" in message
        with pytest.raises(CommandError, match="1 value.*cannot be decrypted"):
            run("--check")
        with pytest.raises(DecryptionError):
            DataSource.objects.get(pk=stray.pk)

    assert raw_tokens() == before, "not a single row was written"
    assert not AuditEvent.objects.filter(action=AuditAction.KEY_ROTATION).exists()


def test_an_unknown_key_in_a_later_batch_stops_before_the_first_batch_is_written(settings, account, other_account):
    old_key = settings.ENCRYPTION_KEYS[0]
    make_sources(account, other_account, count=4)
    with override_settings(ENCRYPTION_KEYS=[FOREIGN_KEY]):
        stray = DataSource(account=account, name="Zz last", kind=DataSourceKind.DATA_FEED)
        stray.set_credentials({"api_key": "x"})
        stray.save()
    assert stray.pk == max(raw_tokens())
    before = raw_tokens()
    with override_settings(ENCRYPTION_KEYS=[NEW_KEY, old_key]), pytest.raises(CommandError):
        run("--batch-size", "1")
    assert raw_tokens() == before
