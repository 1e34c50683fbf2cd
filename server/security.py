"""Passwords, device tokens and encryption of personal data at rest."""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import secrets
import weakref

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
    """Does ``password`` match? A missing hash checks against a dummy and answers False."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


#: Password checks running at once, per event loop. Each Argon2id check takes tens of
#: milliseconds of CPU and 64 MiB: two keep both cores of a small server busy at most, and a
#: burst of sign-ins queues here instead of exhausting memory.
VERIFY_AT_ONCE = 2
_verify_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


async def check_password(password_hash: str | None, password: str) -> bool:
    """:func:`verify_password` in a worker thread (argon2 releases the GIL), so the event loop
    keeps serving other requests while sign-ins are checked."""
    loop = asyncio.get_running_loop()
    slots = _verify_slots.get(loop) or _verify_slots.setdefault(
        loop, asyncio.Semaphore(VERIFY_AT_ONCE)
    )
    await slots.acquire()
    # The slot is given back when the check ends, not when a cancelled request stops waiting
    # for it: a thread cannot be stopped, so clients that go away never add checks.
    check = loop.run_in_executor(None, verify_password, password_hash, password)
    check.add_done_callback(lambda _: slots.release())
    return await asyncio.shield(check)


def keyed_digest(secret_key: str, purpose: str, value: str) -> str:
    """HMAC-SHA256 of ``value``: the same input gives the same digest (to count or correlate
    by), but without the secret key a digest cannot be checked against guesses."""
    key = hashlib.sha256(f"zoufang-{purpose}:".encode() + secret_key.encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


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
