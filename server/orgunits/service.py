"""Org-unit administration: admins only, inside their own unit's subtree. Every change is one
server write (transaction, change number, audit with before and after)."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from server.accounts.deps import require_role, require_scope
from server.accounts.schemas import CurrentUser
from server.db import new_id
from server.errors import ApiError
from server.orgunits import repository
from server.orgunits.schemas import AdminOrgUnitOut, OrgUnitIn, OrgUnitPatch
from server.sync.write import server_write

#: The stream admin writes name in the change log.
STREAM = "server:admin"
_AUDITED = ("name", "kind", "code", "parent", "path", "active")


def _out(row: dict[str, Any], counts: dict[uuid.UUID, int]) -> AdminOrgUnitOut:
    return AdminOrgUnitOut(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        parent_id=row["parent"],
        path=row["path"],
        code=row["code"],
        active=row["active"],
        user_count=counts.get(row["id"], 0),
    )


def _audited(row: dict[str, Any]) -> dict[str, Any]:
    return {k: str(row[k]) if isinstance(row[k], uuid.UUID) else row[k] for k in _AUDITED}


async def units(user: CurrentUser) -> list[AdminOrgUnitOut]:
    """The admin's subtree, inactive units included, in tree order."""
    require_role(user, "admin")
    counts = await repository.active_user_counts(user.org_unit_path)
    return [_out(r, counts) for r in await repository.subtree(user.org_unit_path)]


async def _unit_in_scope(user: CurrentUser, unit_id: uuid.UUID, field: str) -> dict[str, Any]:
    row = await repository.get(unit_id)
    if row is None:
        raise ApiError(404, "org_unit.not_found", "单位不存在", {"field": field})
    require_scope(user, row["path"])
    return row


async def _check_name(parent_id: uuid.UUID, name: str, but: uuid.UUID | None = None) -> None:
    if await repository.sibling_named(parent_id, name, but):
        raise ApiError(409, "org_unit.name_taken", "同一上级下已有同名单位", {"field": "name"})


async def create(user: CurrentUser, data: OrgUnitIn, ip: str) -> AdminOrgUnitOut:
    """A new unit under an active unit of the admin's subtree."""
    require_role(user, "admin")
    name = data.name.strip()
    if not name:
        raise ApiError(400, "org_unit.name_required", "请填写单位名称", {"field": "name"})
    async with server_write(user, STREAM, ip=ip) as write:
        parent = await _unit_in_scope(user, data.parent_id, "parent_id")
        if not parent["active"]:
            raise ApiError(409, "org_unit.inactive", "上级单位已停用", {"field": "parent_id"})
        await _check_name(parent["id"], name)
        unit_id = new_id()
        row = {
            "id": unit_id,
            "name": name,
            "kind": data.kind,
            "parent": parent["id"],
            "path": f"{parent['path']}{unit_id}/",
            "code": data.code or None,
            "active": True,
        }
        await repository.insert(row)
        await write.audit(
            "org_unit.create",
            entity="org_unit",
            entity_id=unit_id,
            details={"after": _audited(row)},
        )
    return _out(row, {})


async def update(
    user: CurrentUser, unit_id: uuid.UUID, patch: OrgUnitPatch, ip: str
) -> AdminOrgUnitOut:
    """Rename, recode, move or (de)activate one unit of the admin's subtree."""
    require_role(user, "admin")
    async with server_write(user, STREAM, ip=ip) as write:
        before = await _unit_in_scope(user, unit_id, "id")
        after = dict(before)
        if patch.name is not msgspec.UNSET:
            name = patch.name.strip()
            if not name:
                raise ApiError(400, "org_unit.name_required", "请填写单位名称", {"field": "name"})
            if before["parent"] is not None:
                await _check_name(before["parent"], name, but=unit_id)
            after["name"] = name
        if patch.code is not msgspec.UNSET:
            after["code"] = patch.code or None
        if patch.parent_id is not msgspec.UNSET and patch.parent_id != before["parent"]:
            await _move(user, before, after, patch.parent_id, write.change_seq)
        if patch.active is not msgspec.UNSET and patch.active != before["active"]:
            await _set_active(user, before, after, patch.active)
        changed = {k: v for k, v in after.items() if v != before[k]}
        if changed:
            await repository.update(unit_id, changed)
            await write.audit(
                "org_unit.update",
                entity="org_unit",
                entity_id=unit_id,
                details={"before": _audited(before), "after": _audited(after)},
            )
    counts = await repository.active_user_counts(after["path"])
    return _out(after, counts)


async def _move(
    user: CurrentUser,
    before: dict[str, Any],
    after: dict[str, Any],
    parent_id: uuid.UUID,
    change_seq: int,
) -> None:
    if before["id"] == user.org_unit_id or before["parent"] is None:
        raise ApiError(403, "auth.out_of_scope", "不能移动本单位", {"field": "parent_id"})
    parent = await _unit_in_scope(user, parent_id, "parent_id")
    if parent["path"].startswith(before["path"]):
        raise ApiError(
            409, "org_unit.cycle", "不能移动到本单位或其下级单位之下", {"field": "parent_id"}
        )
    if not parent["active"]:
        raise ApiError(409, "org_unit.inactive", "上级单位已停用", {"field": "parent_id"})
    await _check_name(parent["id"], after["name"], but=before["id"])
    new_path = f"{parent['path']}{before['id']}/"
    await repository.move_paths(before["path"], new_path)
    after["parent"], after["path"] = parent["id"], new_path
    # Who sees what changes for the units above the old and the new place (their subtrees
    # lose or gain it) and inside the moved subtree (campaigns apply from ancestors).
    ancestors = {
        uuid.UUID(p) for path in (before["path"], new_path) for p in path.strip("/").split("/")
    }
    await repository.mark_scope_changed(list(ancestors), [new_path], change_seq)


async def _set_active(
    user: CurrentUser, before: dict[str, Any], after: dict[str, Any], active: bool
) -> None:
    if not active:
        if before["id"] == user.org_unit_id:
            raise ApiError(403, "auth.out_of_scope", "不能停用本单位", {"field": "active"})
        if await repository.has_active_content(before["id"]):
            raise ApiError(
                409, "org_unit.in_use", "该单位下还有在用的用户或下级单位", {"field": "active"}
            )
    else:
        parent = await repository.get(before["parent"]) if before["parent"] else None
        if parent is not None and not parent["active"]:
            raise ApiError(409, "org_unit.inactive", "上级单位已停用", {"field": "active"})
    after["active"] = active
