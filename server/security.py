"""Passwords, device tokens and encryption of personal data at rest."""

from __future__ import annotations

import base64
import functools
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.fernet import Fernet, InvalidToken

_hasher = PasswordHasher()
# Verifying against this keeps the time of a sign-in for an unknown user like a known one.
_DUMMY_HASH = _hasher.hash("zoufang-no-such-user")


def hash_password(password: str) -> str:
    """Argon2id hash with the library's recommended parameters."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """A device token: 256 random bits, shown to the device once."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What the server stores of a token: its SHA-256, so a database leak reveals no tokens."""
    return hashlib.sha256(token.encode()).hexdigest()


class FieldCipher:
    """Encrypts personal fields (phone numbers) with a key derived from the secret key."""

    def __init__(self, secret_key: str) -> None:
        key = hashlib.sha256(b"zoufang-field-cipher:" + secret_key.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def encrypt(self, value: str | None) -> str | None:
        if not value:
            return None
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str | None) -> str | None:
        if not token:
            return None
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            return None


def shown_phone(encrypted: str | None, secret_key: str) -> str:
    """A phone number stored encrypted, as lists and phones show it: decrypted, then masked."""
    return mask_phone(_cipher(secret_key).decrypt(encrypted))


@functools.lru_cache(maxsize=4)
def _cipher(secret_key: str) -> FieldCipher:
    return FieldCipher(secret_key)


def mask_phone(phone: str | None) -> str:
    """138****5678: enough to recognise, not enough to call."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return phone[:1] + "*" * (len(phone) - 1)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_name(name: str | None) -> str:
    """张* for lists that leave the office: the first character, a star for each other one,
    and at least one star, so a one-character name is not shown whole."""
    return (name[:1] + "*" * max(1, len(name) - 1)) if name else ""
