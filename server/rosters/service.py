"""Admin writes to the rosters: create, edit and deactivate talents and service centres.

Every function takes an open :class:`server.sync.write.ServerWrite`, so one write may hold
many of them (the roster import calls them inside one batch). Each change bumps the row's
version and stamps it with the write's change number (phones pull it), records a move to
another unit (``server.sync.moves``: phones that may no longer see it get a tombstone) and is
audited with the values before and after. Phones are encrypted at rest and masked in the audit.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from piccolo.table import Table

from server.accounts.tables import OrgUnit
from server.db import new_id
from server.errors import ApiError, not_found
from server.rosters.admin_schemas import ServiceCenterIn, TalentIn, Written
from server.rosters.checks import centre_errors, invalid, talent_errors
from server.rosters.pinyin import initials
from server.rosters.tables import ServiceCenter, Talent
from server.security import FieldCipher, mask_phone
from server.settings import get_settings
from server.sync.moves import record_move
from server.sync.write import ServerWrite

#: The stream admin writes go through.
STREAM = "server:admin"


@dataclass(frozen=True)
class _Kind:
    entity: str
    table: type[Table]
    errors: Callable[[Any], dict[str, str]]
    #: The plain columns an admin edits (the unit, name initials and phone are handled apart).
    columns: tuple[str, ...]


TALENT = _Kind(
    "talent",
    Talent,
    talent_errors,
    (
        "name",
        "employer",
        "category",
        "level",
        "field",
        "title",
        "contact_leader",
        "liaison_staff",
        "roster_year",
    ),
)
CENTRE = _Kind(
    "service_center", ServiceCenter, centre_errors, ("name", "address", "latitude", "longitude")
)


async def create_talent(write: ServerWrite, data: TalentIn) -> Written:
    """Add a talent to a unit in the actor's subtree."""
    return await _create(write, TALENT, data)


async def update_talent(write: ServerWrite, talent_id: uuid.UUID, data: TalentIn) -> Written:
    """Edit a talent (``data.version`` must be the current one); moving it to another unit
    sends tombstones to the phones that can no longer see it."""
    return await _update(write, TALENT, talent_id, data)


async def deactivate_talent(write: ServerWrite, talent_id: uuid.UUID, version: int) -> Written:
    """Take a talent off the roster: phones drop it, records about it stay."""
    return await _deactivate(write, TALENT, talent_id, version)


async def create_centre(write: ServerWrite, data: ServiceCenterIn) -> Written:
    """Add a service centre to a unit in the actor's subtree."""
    return await _create(write, CENTRE, data)


async def update_centre(write: ServerWrite, centre_id: uuid.UUID, data: ServiceCenterIn) -> Written:
    """Edit a service centre, as :func:`update_talent`."""
    return await _update(write, CENTRE, centre_id, data)


async def deactivate_centre(write: ServerWrite, centre_id: uuid.UUID, version: int) -> Written:
    """Take a service centre off the list, as :func:`deactivate_talent`."""
    return await _deactivate(write, CENTRE, centre_id, version)


def _values(kind: _Kind, data: Any) -> dict[str, Any]:
    values = {c: getattr(data, c) for c in kind.columns}
    for name, value in values.items():
        if isinstance(value, str):
            values[name] = value.strip()
    values["name_initials"] = initials(values["name"])[:50]
    values["org_unit"] = data.org_unit_id
    return values


async def _checked(write: ServerWrite, kind: _Kind, data: Any) -> tuple[dict[str, Any], str]:
    """The columns ``data`` sets, and its unit's path; every wrong field at once."""
    errors = kind.errors(data)
    unit = await OrgUnit.select(OrgUnit.path).where(OrgUnit.id == data.org_unit_id).first()
    if unit is None or not write.actor.covers(unit["path"]):
        errors["org_unit_id"] = "所选单位不存在或不在您的管理范围内"
    if errors:
        raise invalid(errors)
    assert unit is not None
    return _values(kind, data), unit["path"]


def _cipher() -> FieldCipher:
    return FieldCipher(get_settings().secret_key)


def _audited(values: dict[str, Any]) -> dict[str, Any]:
    """Values for the audit log: JSON-safe, the phone masked."""
    out = {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in values.items()}
    if "phone_encrypted" in out:
        out["phone"] = mask_phone(_cipher().decrypt(out.pop("phone_encrypted")))
    return out


async def _create(write: ServerWrite, kind: _Kind, data: Any) -> Written:
    values, _ = await _checked(write, kind, data)
    if kind is TALENT:
        values["phone_encrypted"] = _cipher().encrypt((data.phone or "").strip())
    row_id = new_id()
    stamp = {"change_seq": write.change_seq, "created_at": write.now, "updated_at": write.now}
    table: Any = kind.table
    await table.insert(table(id=row_id, version=1, **values, **stamp))
    await write.audit(
        f"{kind.entity}.create",
        entity=kind.entity,
        entity_id=row_id,
        details={"before": None, "after": _audited(values)},
    )
    return Written(id=row_id, version=1, active=True)


async def _load(write: ServerWrite, kind: _Kind, row_id: uuid.UUID, version: int) -> Any:
    """The row as stored, with its unit's path, if the actor may administer it at ``version``."""
    table: Any = kind.table
    row = await (
        table.select(*table._meta.columns, table.org_unit.path.as_alias("unit_path"))
        .where(table.id == row_id)
        .first()
    )
    if row is None or not write.actor.covers(row["unit_path"] or ""):
        raise not_found(kind.entity)
    if row["deleted_at"] is not None:
        raise ApiError(409, "roster.inactive", "该条目已停用，不能再修改")
    if row["version"] != version:
        raise ApiError(
            409,
            "roster.stale_version",
            "该条目已被他人修改，请刷新后重试",
            {"current_version": row["version"]},
        )
    return row


async def _update(write: ServerWrite, kind: _Kind, row_id: uuid.UUID, data: Any) -> Written:
    before = await _load(write, kind, row_id, data.version)
    values, new_path = await _checked(write, kind, data)
    if kind is TALENT and data.phone is not None:
        phone = data.phone.strip()
        if phone != (_cipher().decrypt(before["phone_encrypted"]) or ""):
            values["phone_encrypted"] = _cipher().encrypt(phone)
    changed = {k: v for k, v in values.items() if before[k] != v}
    if not changed:
        return Written(id=row_id, version=before["version"], active=True)
    version = before["version"] + 1
    table: Any = kind.table
    stamp = {"version": version, "change_seq": write.change_seq, "updated_at": write.now}
    await table.update({**changed, **stamp}).where(table.id == row_id)
    if "org_unit" in changed:
        await record_move(write, kind.entity, row_id, before["unit_path"], new_path)
    await write.audit(
        f"{kind.entity}.update",
        entity=kind.entity,
        entity_id=row_id,
        details={
            "before": _audited({k: before[k] for k in changed}),
            "after": _audited(changed),
            "version": version,
        },
    )
    return Written(id=row_id, version=version, active=True)


async def _deactivate(write: ServerWrite, kind: _Kind, row_id: uuid.UUID, version: int) -> Written:
    await _load(write, kind, row_id, version)
    table: Any = kind.table
    stamp = {"version": version + 1, "change_seq": write.change_seq, "updated_at": write.now}
    await table.update({"deleted_at": write.now, **stamp}).where(table.id == row_id)
    await write.audit(
        f"{kind.entity}.deactivate",
        entity=kind.entity,
        entity_id=row_id,
        details={"before": {"active": True}, "after": {"active": False}, "version": version + 1},
    )
    return Written(id=row_id, version=version + 1, active=False)
