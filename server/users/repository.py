"""Queries for user administration (the tables live in server.accounts.tables)."""

from __future__ import annotations

import uuid
from typing import Any

from server.accounts.tables import DeviceToken, OrgUnit, User
from server.db import utcnow
from server.sync.tables import SyncStream

_COLUMNS = (
    User.id,
    User.username,
    User.display_name,
    User.role,
    User.org_unit,
    User.org_unit.name.as_alias("org_unit_name"),
    User.org_unit.path.as_alias("org_unit_path"),
    User.phone_encrypted,
    User.active,
    User.must_change_password,
)


async def page(
    path: str,
    *,
    q: str | None,
    unit_path: str | None,
    role: str | None,
    active: bool | None,
    limit: int,
    offset: int,
) -> tuple[int, list[dict[str, Any]]]:
    """Users under ``path`` (and ``unit_path`` when given), filtered, by username."""
    where: Any = User.org_unit.path.like(f"{path}%")
    if unit_path:
        where &= User.org_unit.path.like(f"{unit_path}%")
    if q:
        # Usernames are lower case; names Chinese (LIKE on both engines, no ILIKE on SQLite).
        where &= User.username.like(f"%{q.lower()}%") | User.display_name.like(f"%{q}%")
    if role:
        where &= User.role == role
    if active is not None:
        where &= User.active == active
    total = await User.count().where(where)
    rows = await (
        User.select(*_COLUMNS).where(where).order_by(User.username).limit(limit).offset(offset)
    )
    return total, rows


async def get(user_id: uuid.UUID) -> dict[str, Any] | None:
    return await User.select(*_COLUMNS).where(User.id == user_id).first()


async def username_taken(username: str) -> bool:
    return await User.exists().where(User.username == username)


async def unit(unit_id: uuid.UUID) -> dict[str, Any] | None:
    return await OrgUnit.select().where(OrgUnit.id == unit_id).first()


async def insert(values: dict[str, Any]) -> None:
    await User.insert(User(**values))


async def update(user_id: uuid.UUID, values: dict[str, Any]) -> None:
    changes: dict[Any, Any] = {**values, "updated_at": utcnow()}
    await User.update(changes).where(User.id == user_id)


async def devices(user_id: uuid.UUID) -> list[dict[str, Any]]:
    """Each sign-in of the user, newest first, with its device's last sync."""
    tokens = await (
        DeviceToken.select()
        .where(DeviceToken.user == user_id)
        .order_by(DeviceToken.created_at, ascending=False)
    )
    streams = await SyncStream.select(SyncStream.device_id, SyncStream.updated_at).where(
        SyncStream.user == user_id
    )
    synced = {s["device_id"]: s["updated_at"] for s in streams}
    return [{**t, "last_sync_at": synced.get(t["device_id"])} for t in tokens]


async def revoke_device(user_id: uuid.UUID, token_id: uuid.UUID) -> bool:
    rows = await (
        DeviceToken.update({DeviceToken.revoked_at: utcnow()})
        .where(
            (DeviceToken.id == token_id)
            & (DeviceToken.user == user_id)
            & DeviceToken.revoked_at.is_null()
        )
        .returning(DeviceToken.id)
    )
    return bool(rows)
