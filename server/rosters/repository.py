"""Roster queries: search by name, pinyin initials or township, within the caller's subtree."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from piccolo.query.functions.aggregate import Max

from server.accounts.schemas import CurrentUser
from server.accounts.scope import in_subtree, record_filter
from server.errors import not_found
from server.inspections.tables import Inspection
from server.rosters.admin_schemas import ServiceCenterDetail, TalentDetail
from server.rosters.entity import roster_wire
from server.rosters.schemas import ServiceCenterOut, TalentOut
from server.rosters.scope import visible_centres, visible_talents
from server.rosters.tables import ServiceCenter, Talent
from server.visits.tables import Visit


def _search(table: Any, q: str | None) -> Any | None:
    """Name, pinyin initials, township (the unit's name) and, for talents, employer."""
    if not q or not q.strip():
        return None
    text = f"%{q.strip()}%"
    found = (
        table.name.like(text)
        | table.name_initials.like(f"{q.strip().lower()}%")
        | table.org_unit.name.like(text)
    )
    if table is Talent:
        found |= table.employer.like(text)
    return found


async def _latest(
    table: Any, key: Any, day: Any, ids: list[uuid.UUID], scope: Any | None
) -> dict[uuid.UUID, Any]:
    """The last day of a record about each roster row, among the records the caller may read
    (``scope``, from ``record_filter``): a visitor's own, a reviewer's subtree, none for others.
    The same dates a phone shows from the records it holds; others' visits are not told."""
    if not ids or scope is None:
        return {}
    rows = await (
        table.select(key.as_alias("key"), Max(day, alias="last"))
        .where(key.is_in(ids) & table.deleted_at.is_null() & (table.status != "draft") & scope)
        .group_by(key)
    )
    return {r["key"]: r["last"] for r in rows}


async def list_talents(
    user: CurrentUser, q: str | None, org_unit_id: uuid.UUID | None, limit: int, offset: int
) -> tuple[int, list[TalentOut]]:
    visible = visible_talents(user)
    if visible is None:
        return 0, []
    where = visible & Talent.deleted_at.is_null()
    if (search := _search(Talent, q)) is not None:
        where &= search
    if org_unit_id:
        where &= Talent.org_unit == org_unit_id
    total = await Talent.count().where(where)
    rows = await (
        Talent.select(*Talent.all_columns(), Talent.org_unit.name.as_alias("org_unit_name"))
        .where(where)
        .order_by(Talent.name_initials)
        .limit(limit)
        .offset(offset)
    )
    scope = record_filter(user, Visit.visitor, Visit.org_unit)
    last = await _latest(Visit, Visit.talent, Visit.visited_on, [r["id"] for r in rows], scope)
    return total, [
        msgspec.convert({**roster_wire(r), "last_visited_on": last.get(r["id"])}, TalentOut)
        for r in rows
    ]


async def list_service_centers(
    user: CurrentUser, q: str | None, limit: int, offset: int
) -> tuple[int, list[ServiceCenterOut]]:
    visible = visible_centres(user)
    if visible is None:
        return 0, []
    where = visible & ServiceCenter.deleted_at.is_null()
    if (search := _search(ServiceCenter, q)) is not None:
        where &= search
    total = await ServiceCenter.count().where(where)
    rows = await (
        ServiceCenter.select(
            *ServiceCenter.all_columns(), ServiceCenter.org_unit.name.as_alias("org_unit_name")
        )
        .where(where)
        .order_by(ServiceCenter.name_initials)
        .limit(limit)
        .offset(offset)
    )
    last = await _latest(
        Inspection,
        Inspection.service_center,
        Inspection.inspected_on,
        [r["id"] for r in rows],
        record_filter(user, Inspection.inspector, Inspection.org_unit),
    )
    return total, [
        msgspec.convert(
            {**roster_wire(r), "last_inspected_on": last.get(r["id"])}, ServiceCenterOut
        )
        for r in rows
    ]


async def _one(user: CurrentUser, table: Any, row_id: uuid.UUID, entity: str) -> dict[str, Any]:
    row = await (
        table.select(*table._meta.columns)
        .where((table.id == row_id) & in_subtree(table.org_unit, user))
        .first()
    )
    if row is None:
        raise not_found(entity)
    return {**roster_wire(row), "active": row["deleted_at"] is None}


async def talent_detail(user: CurrentUser, talent_id: uuid.UUID) -> TalentDetail:
    """A talent in the user's subtree, active or not (phone masked)."""
    return msgspec.convert(await _one(user, Talent, talent_id, "talent"), TalentDetail)


async def centre_detail(user: CurrentUser, centre_id: uuid.UUID) -> ServiceCenterDetail:
    """A service centre in the user's subtree, active or not."""
    row = await _one(user, ServiceCenter, centre_id, "service_center")
    return msgspec.convert(row, ServiceCenterDetail)
