"""Queries for org-unit administration (the table lives in server.accounts.tables)."""

from __future__ import annotations

import uuid
from typing import Any

from piccolo.query.functions.aggregate import Count

from server.accounts.tables import OrgUnit, User
from server.db import utcnow


async def get(unit_id: uuid.UUID) -> dict[str, Any] | None:
    return await OrgUnit.select().where(OrgUnit.id == unit_id).first()


async def subtree(path: str) -> list[dict[str, Any]]:
    """Every unit under ``path`` (itself included), active or not, in tree order."""
    return await OrgUnit.select().where(OrgUnit.path.like(f"{path}%")).order_by(OrgUnit.path)


async def active_user_counts(path: str) -> dict[uuid.UUID, int]:
    rows = await (
        User.select(User.org_unit, Count())
        .where(User.org_unit.path.like(f"{path}%") & (User.active == True))
        .group_by(User.org_unit)
    )
    return {r["org_unit"]: r["count"] for r in rows}


async def sibling_named(parent_id: uuid.UUID, name: str, but: uuid.UUID | None = None) -> bool:
    where = (OrgUnit.parent == parent_id) & (OrgUnit.name == name)
    if but is not None:
        where &= OrgUnit.id != but
    return await OrgUnit.exists().where(where)


async def insert(unit: dict[str, Any]) -> None:
    await OrgUnit.insert(OrgUnit(**unit))


async def update(unit_id: uuid.UUID, values: dict[str, Any]) -> None:
    changes: dict[Any, Any] = {**values, "updated_at": utcnow()}
    await OrgUnit.update(changes).where(OrgUnit.id == unit_id)


async def move_paths(old_path: str, new_path: str) -> None:
    """Rewrite the materialised path of a moved unit and everything under it."""
    rows = await OrgUnit.select(OrgUnit.id, OrgUnit.path).where(OrgUnit.path.like(f"{old_path}%"))
    for row in rows:
        await OrgUnit.update({OrgUnit.path: new_path + row["path"][len(old_path) :]}).where(
            OrgUnit.id == row["id"]
        )


async def has_active_content(unit_id: uuid.UUID) -> bool:
    """Active users or active sub-units: what keeps a unit from being deactivated."""
    users = await User.exists().where((User.org_unit == unit_id) & (User.active == True))
    units = await OrgUnit.exists().where((OrgUnit.parent == unit_id) & (OrgUnit.active == True))
    return users or units


async def mark_scope_changed(unit_ids: list[uuid.UUID], paths: list[str], change_seq: int) -> None:
    """Users in ``unit_ids`` or under any of ``paths`` see a different set of rows from
    ``change_seq`` on: their next pull resyncs (server.sync.pull)."""
    ids = set(unit_ids)
    for path in paths:
        ids |= {
            r["id"] for r in await OrgUnit.select(OrgUnit.id).where(OrgUnit.path.like(f"{path}%"))
        }
    if ids:
        await User.update({User.scope_seq: change_seq}).where(User.org_unit.is_in(list(ids)))
