"""Encryption at rest for secrets (vendor credentials, webhook secrets).

Keys come from ACORN_ENCRYPTION_KEYS: the first key encrypts, every key decrypts, so a rotation adds a
new key in front, re-encrypts (`rotate_encryption_key`), then drops the old one. Values are Fernet
tokens (AES-128-CBC + HMAC-SHA256, with a timestamp) from the `cryptography` package.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


class DecryptionError(Exception):
    """A stored secret could not be decrypted with any configured key."""


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "ACORN_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe base64 bytes)."
        ) from None


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError("A stored secret cannot be decrypted with the configured keys.") from None


def primary_fernet() -> Fernet:
    """The key new values are encrypted with (the first of ACORN_ENCRYPTION_KEYS)."""
    fernet()  # a bad key list fails here with the configuration error
    return _primary(settings.ENCRYPTION_KEYS[0])


@lru_cache(maxsize=4)
def _primary(key: str) -> Fernet:
    return Fernet(key.encode())


def is_current(token: str) -> bool:
    """Whether a stored token is already encrypted with the first (newest) key."""
    try:
        primary_fernet().decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def reencrypt(token: str) -> str:
    """The same secret under the current first key (for key rotation)."""
    try:
        return fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError("A stored secret cannot be decrypted with the configured keys.") from None


class EncryptedTextField(models.TextField):
    """A text field stored encrypted; reads give plaintext, the database only ever holds tokens.

    Never render the value back to a user: forms should offer "replace" instead of showing it.
    """

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)
