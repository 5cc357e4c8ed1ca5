import pytest
from cryptography.fernet import Fernet
from django.test import override_settings

from acorn_portal import crypto


def test_round_trip_and_ciphertext_hides_the_secret():
    token = crypto.encrypt("Atzr|refresh-token")
    assert "refresh-token" not in token
    assert crypto.decrypt(token) == "Atzr|refresh-token"


def test_rotation_keeps_old_tokens_readable_and_reencrypts_under_the_new_key(settings):
    old_key = settings.ENCRYPTION_KEYS[0]
    token = crypto.encrypt("secret")
    new_key = Fernet.generate_key().decode()
    with override_settings(ENCRYPTION_KEYS=[new_key, old_key]):
        assert crypto.decrypt(token) == "secret"
        rotated = crypto.reencrypt(token)
    with override_settings(ENCRYPTION_KEYS=[new_key]):
        assert crypto.decrypt(rotated) == "secret"
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(token)


def test_a_bad_key_is_a_configuration_error():
    from django.core.exceptions import ImproperlyConfigured

    with override_settings(ENCRYPTION_KEYS=["not-a-key"]), pytest.raises(ImproperlyConfigured, match="Fernet"):
        crypto.encrypt("x")
