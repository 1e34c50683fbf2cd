"""Queries for units, users and tokens (sign-in throttling: throttle.py). No HTTP here."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from server.accounts.tables import DeviceToken, OrgUnit, User
from server.db import new_id, utcnow
from server.security import hash_password, token_digest


async def create_org_unit(
    name: str, kind: str, parent_id: uuid.UUID | None = None, unit_id: uuid.UUID | None = None
) -> OrgUnit:
    """Add a unit under ``parent_id`` (or a root), keeping the materialised path."""
    unit_id = unit_id or new_id()
    parent_path = "/"
    if parent_id is not None:
        parent = await OrgUnit.objects().get(OrgUnit.id == parent_id)
        if parent is None:
            raise LookupError(f"no org unit {parent_id}")
        parent_path = parent.path
    unit = OrgUnit(
        id=unit_id, name=name, kind=kind, parent=parent_id, path=f"{parent_path}{unit_id}/"
    )
    await unit.save()
    return unit


async def find_org_unit(name_or_id: str) -> dict[str, Any] | None:
    try:
        return await OrgUnit.select().where(OrgUnit.id == uuid.UUID(name_or_id)).first()
    except ValueError:
        return await OrgUnit.select().where(OrgUnit.name == name_or_id).first()


async def subtree(path: str) -> list[dict[str, Any]]:
    return await OrgUnit.select().where(OrgUnit.path.like(f"{path}%")).order_by(OrgUnit.path)


async def create_user(
    username: str,
    password: str,
    display_name: str,
    role: str,
    org_unit_id: uuid.UUID,
    phone_encrypted: str | None = None,
    user_id: uuid.UUID | None = None,
) -> User:
    user = User(
        id=user_id or new_id(),
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        role=role,
        org_unit=org_unit_id,
        phone_encrypted=phone_encrypted,
    )
    await user.save()
    return user


async def user_by_username(username: str) -> dict[str, Any] | None:
    return await User.select().where(User.username == username).first()


async def issue_token(
    user_id: uuid.UUID, token: str, device_id: str, device_name: str, ttl_days: int
) -> None:
    now = utcnow()
    await DeviceToken.insert(
        DeviceToken(
            id=new_id(),
            user=user_id,
            token_hash=token_digest(token),
            device_id=device_id,
            device_name=device_name,
            created_at=now,
            expires_at=now + dt.timedelta(days=ttl_days),
        )
    )


#: The token's user and unit in one statement. Written out rather than built with piccolo's
#: joins on every request: building that query cost 1.5–2.6 ms of Python per request here,
#: more than running it.
_PRINCIPAL = (
    "SELECT t.id, t.device_id, t.expires_at, t.revoked_at, t.last_used_at,"
    " u.id AS user_id, u.username, u.display_name, u.role, u.active,"
    " u.must_change_password, u.scope_seq,"
    " o.id AS org_unit_id, o.name AS org_unit_name, o.path AS org_unit_path"
    ' FROM device_token t JOIN app_user u ON u.id = t."user"'
    " JOIN org_unit o ON o.id = u.org_unit"
    " WHERE t.token_hash = {}"
)


async def principal_for_token(token: str) -> dict[str, Any] | None:
    """The live token's user and unit, or None when unknown, revoked, expired or disabled."""
    rows = await DeviceToken.raw(_PRINCIPAL, token_digest(token))
    row = rows[0] if rows else None
    if row is None or row["revoked_at"] is not None or not row["active"]:
        return None
    now = utcnow()
    if row["expires_at"] <= now:
        return None
    # Touch at most once an hour: a sign of life for the admin without a write per request.
    if row["last_used_at"] is None or now - row["last_used_at"] > dt.timedelta(hours=1):
        await DeviceToken.update({DeviceToken.last_used_at: now}).where(DeviceToken.id == row["id"])
    return row


#: What decides a user's sync scope now: read again by a pull after it fixes its upper bound.
_SCOPE = (
    "SELECT u.role, u.scope_seq, o.id AS org_unit_id, o.name AS org_unit_name,"
    " o.path AS org_unit_path FROM app_user u JOIN org_unit o ON o.id = u.org_unit"
    " WHERE u.id = {}"
)


async def current_scope(user_id: uuid.UUID) -> dict[str, Any] | None:
    """The user's role, unit and last scope change as committed now."""
    rows = await User.raw(_SCOPE, user_id)
    return rows[0] if rows else None


async def set_password(user_id: uuid.UUID, password: str, *, must_change: bool) -> None:
    """Store a new password hash; ``must_change`` marks a one-time password."""
    await User.update(
        {
            User.password_hash: hash_password(password),
            User.must_change_password: must_change,
            User.updated_at: utcnow(),
        }
    ).where(User.id == user_id)


async def password_hash(user_id: uuid.UUID) -> str | None:
    row = await User.select(User.password_hash).where(User.id == user_id).first()
    return row["password_hash"] if row else None


async def revoke_token(token_id: uuid.UUID) -> None:
    await DeviceToken.update({DeviceToken.revoked_at: utcnow()}).where(
        (DeviceToken.id == token_id) & DeviceToken.revoked_at.is_null()
    )


async def revoke_user_tokens(user_id: uuid.UUID) -> int:
    rows = await (
        DeviceToken.update({DeviceToken.revoked_at: utcnow()})
        .where((DeviceToken.user == user_id) & DeviceToken.revoked_at.is_null())
        .returning(DeviceToken.id)
    )
    return len(rows)
