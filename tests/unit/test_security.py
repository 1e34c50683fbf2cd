from __future__ import annotations

from server.rosters.pinyin import initials
from server.security import (
    FieldCipher,
    hash_password,
    mask_name,
    mask_phone,
    token_digest,
    verify_password,
)


def test_password_hash_verifies_only_the_password() -> None:
    hashed = hash_password("demo1234")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "demo1234")
    assert not verify_password(hashed, "demo12345")
    assert not verify_password(None, "demo1234")
    assert not verify_password("not-a-hash", "demo1234")


def test_token_digest_is_sha256_hex() -> None:
    assert token_digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_field_cipher_round_trip_and_key_separation() -> None:
    cipher = FieldCipher("k" * 40)
    token = cipher.encrypt("13800001234")
    assert token and "13800001234" not in token
    assert cipher.decrypt(token) == "13800001234"
    assert FieldCipher("x" * 40).decrypt(token) is None
    assert cipher.encrypt("") is None and cipher.decrypt(None) is None


def test_masks() -> None:
    assert mask_phone("13800001234") == "138****1234"
    assert mask_phone("") == ""
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("张") == "张*"  # a one-character name is never shown whole
    assert mask_name(None) == "" and mask_name("") == ""


def test_pinyin_initials() -> None:
    assert initials("张三") == "zs"
    assert initials("南山村党群服务中心") == "nscdqfwzx"
