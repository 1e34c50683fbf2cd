"""User administration: admins only, for users of their own unit's subtree. Every change is
one server write (transaction, change number, audit with before and after). A change of unit,
role or activity is a scope change: the user's devices resync at their next pull."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import msgspec

from server.accounts import repository as accounts
from server.accounts.deps import require_role, require_scope
from server.accounts.schemas import CurrentUser
from server.db import new_id
from server.errors import ApiError
from server.records import Page
from server.security import FieldCipher, hash_password, mask_phone
from server.settings import get_settings
from server.sync.write import server_write
from server.users import repository
from server.users.schemas import (
    AdminUserOut,
    DeviceOut,
    OneTimePasswordOut,
    UserCreateIn,
    UserDetailOut,
    UserPatch,
)

STREAM = "server:admin"
#: No 0/O, 1/l/I: read aloud over the phone without mistakes.
_OTP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_SCOPE_FIELDS = ("org_unit", "role", "active")
_AUDITED = ("username", "display_name", "role", "org_unit", "active")


def _cipher() -> FieldCipher:
    return FieldCipher(get_settings().secret_key)


def one_time_password() -> str:
    """Ten characters from an alphabet with no look-alikes."""
    return "".join(secrets.choice(_OTP_ALPHABET) for _ in range(10))


def _out(row: dict[str, Any], *, whole_phone: bool = False) -> AdminUserOut:
    phone = _cipher().decrypt(row["phone_encrypted"]) or ""
    return AdminUserOut(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        role=row["role"],
        org_unit_id=row["org_unit"],
        org_unit_name=row["org_unit_name"],
        phone=phone if whole_phone else mask_phone(phone),
        active=row["active"],
        must_change_password=row["must_change_password"],
    )


def _audited(row: dict[str, Any]) -> dict[str, Any]:
    values = {k: str(row[k]) if isinstance(row[k], uuid.UUID) else row[k] for k in _AUDITED}
    # The log says that a phone changed, never the number.
    values["phone_set"] = bool(row["phone_encrypted"])
    return values


async def users(
    actor: CurrentUser,
    *,
    q: str | None,
    unit_id: uuid.UUID | None,
    role: str | None,
    active: bool | None,
    limit: int,
    offset: int,
) -> Page[AdminUserOut]:
    require_role(actor, "admin")
    unit_path = None
    if unit_id is not None:
        unit_path = (await _unit_in_scope(actor, unit_id, "unit_id"))["path"]
    total, rows = await repository.page(
        actor.org_unit_path,
        q=(q or "").strip() or None,
        unit_path=unit_path,
        role=role,
        active=active,
        limit=limit,
        offset=offset,
    )
    return Page(total=total, items=[_out(r) for r in rows])


async def _unit_in_scope(actor: CurrentUser, unit_id: uuid.UUID, field: str) -> dict[str, Any]:
    row = await repository.unit(unit_id)
    if row is None:
        raise ApiError(404, "org_unit.not_found", "单位不存在", {"field": field})
    require_scope(actor, row["path"])
    return row


async def _user_in_scope(actor: CurrentUser, user_id: uuid.UUID) -> dict[str, Any]:
    row = await repository.get(user_id)
    if row is None:
        raise ApiError(404, "user.not_found", "用户不存在")
    require_scope(actor, row["org_unit_path"])
    return row


async def detail(actor: CurrentUser, user_id: uuid.UUID) -> UserDetailOut:
    require_role(actor, "admin")
    row = await _user_in_scope(actor, user_id)
    devices = [
        DeviceOut(
            id=d["id"],
            device_id=d["device_id"],
            device_name=d["device_name"],
            signed_in_at=d["created_at"],
            last_used_at=d["last_used_at"],
            last_sync_at=d["last_sync_at"],
            expires_at=d["expires_at"],
            revoked_at=d["revoked_at"],
        )
        for d in await repository.devices(user_id)
    ]
    return UserDetailOut(user=_out(row, whole_phone=True), devices=devices)


async def create(actor: CurrentUser, data: UserCreateIn, ip: str) -> OneTimePasswordOut:
    """A new user with a one-time password, to be changed at first sign-in."""
    require_role(actor, "admin")
    name = data.display_name.strip()
    if not name:
        raise ApiError(400, "user.name_required", "请填写姓名", {"field": "display_name"})
    password = one_time_password()
    async with server_write(actor, STREAM, ip=ip) as write:
        unit = await _unit_in_scope(actor, data.org_unit_id, "org_unit_id")
        if not unit["active"]:
            raise ApiError(409, "org_unit.inactive", "该单位已停用", {"field": "org_unit_id"})
        if await repository.username_taken(data.username):
            raise ApiError(409, "user.username_taken", "用户名已被使用", {"field": "username"})
        user_id = new_id()
        values = {
            "id": user_id,
            "username": data.username,
            "display_name": name,
            "password_hash": hash_password(password),
            "role": data.role,
            "org_unit": unit["id"],
            "phone_encrypted": _cipher().encrypt(data.phone or None),
            "active": True,
            "must_change_password": True,
        }
        await repository.insert(values)
        await write.audit(
            "user.create", entity="user", entity_id=user_id, details={"after": _audited(values)}
        )
        row = await repository.get(user_id)
    assert row is not None
    return OneTimePasswordOut(user=_out(row, whole_phone=True), one_time_password=password)


async def update(actor: CurrentUser, user_id: uuid.UUID, patch: UserPatch, ip: str) -> AdminUserOut:
    """Edit name, phone, role, unit or activity; deactivating signs every device out."""
    require_role(actor, "admin")
    async with server_write(actor, STREAM, ip=ip) as write:
        before = await _user_in_scope(actor, user_id)
        after = dict(before)
        if patch.display_name is not msgspec.UNSET:
            if not patch.display_name.strip():
                raise ApiError(400, "user.name_required", "请填写姓名", {"field": "display_name"})
            after["display_name"] = patch.display_name.strip()
        if patch.phone is not msgspec.UNSET:
            after["phone_encrypted"] = _cipher().encrypt(patch.phone or None)
        if patch.role is not msgspec.UNSET:
            after["role"] = patch.role
        if patch.org_unit_id is not msgspec.UNSET and patch.org_unit_id != before["org_unit"]:
            unit = await _unit_in_scope(actor, patch.org_unit_id, "org_unit_id")
            if not unit["active"]:
                raise ApiError(409, "org_unit.inactive", "该单位已停用", {"field": "org_unit_id"})
            after["org_unit"], after["org_unit_name"] = unit["id"], unit["name"]
        if patch.active is not msgspec.UNSET:
            after["active"] = patch.active
        scope_changed = any(after[k] != before[k] for k in _SCOPE_FIELDS)
        if scope_changed and user_id == actor.id:
            raise ApiError(403, "user.self", "不能更改自己的角色、单位或停用自己")
        changed = {
            k: after[k]
            for k in ("display_name", "phone_encrypted", "role", "org_unit", "active")
            if after[k] != before[k]
        }
        if scope_changed:
            changed["scope_seq"] = write.change_seq
        if changed:
            await repository.update(user_id, changed)
            details: dict[str, Any] = {"before": _audited(before), "after": _audited(after)}
            if before["active"] and not after["active"]:
                details["devices_signed_out"] = await accounts.revoke_user_tokens(user_id)
            await write.audit("user.update", entity="user", entity_id=user_id, details=details)
    return _out(after, whole_phone=True)


async def reset_password(actor: CurrentUser, user_id: uuid.UUID, ip: str) -> OneTimePasswordOut:
    """A new one-time password, shown once; the user must change it at next sign-in."""
    require_role(actor, "admin")
    password = one_time_password()
    async with server_write(actor, STREAM, ip=ip) as write:
        row = await _user_in_scope(actor, user_id)
        await accounts.set_password(user_id, password, must_change=True)
        await write.audit("user.reset_password", entity="user", entity_id=user_id)
    return OneTimePasswordOut(
        user=_out({**row, "must_change_password": True}, whole_phone=True),
        one_time_password=password,
    )


async def sign_device_out(
    actor: CurrentUser, user_id: uuid.UUID, token_id: uuid.UUID, ip: str
) -> None:
    require_role(actor, "admin")
    async with server_write(actor, STREAM, ip=ip) as write:
        await _user_in_scope(actor, user_id)
        if not await repository.revoke_device(user_id, token_id):
            raise ApiError(404, "device.not_found", "该设备不存在或已退出登录")
        await write.audit(
            "user.sign_device_out",
            entity="user",
            entity_id=user_id,
            details={"token": str(token_id)},
        )
