"""Reading inspections within a user's scope."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from server.accounts.schemas import CurrentUser
from server.accounts.scope import record_filter
from server.inspections.entity import INSPECTION, ITEM_RESULT, RECTIFICATION
from server.inspections.schemas import InspectionOut, ItemResultOut, RectificationOut
from server.inspections.tables import Inspection, InspectionItemResult, Rectification
from server.media.links import missing_photos
from server.records import one_in_scope, page_in_scope

_COLUMNS = (
    *Inspection.all_columns(
        exclude=[Inspection.change_seq, Inspection.deleted_at, Inspection.reviewed_by]
    ),
    Inspection.service_center.name.as_alias("service_center_name"),
    Inspection.inspector.display_name.as_alias("inspector_name"),
    Inspection.org_unit.name.as_alias("org_unit_name"),
)


def _scope(user: CurrentUser) -> Any | None:
    return record_filter(user, Inspection.inspector, Inspection.org_unit)


async def _children(inspection_id: uuid.UUID) -> tuple[list[ItemResultOut], list[RectificationOut]]:
    results = await (
        InspectionItemResult.select(
            *InspectionItemResult.all_columns(),
            InspectionItemResult.item.dimension.as_alias("dimension"),
            InspectionItemResult.item.title.as_alias("title"),
            InspectionItemResult.item.max_score.as_alias("max_score"),
            InspectionItemResult.item.position.as_alias("position"),
        )
        .where(
            (InspectionItemResult.inspection == inspection_id)
            & InspectionItemResult.deleted_at.is_null()
        )
        .order_by(InspectionItemResult.item.position)
    )
    rectifications = await (
        Rectification.select()
        .where((Rectification.inspection == inspection_id) & Rectification.deleted_at.is_null())
        .order_by(Rectification.deadline)
    )
    return (
        [
            msgspec.convert(ITEM_RESULT.to_wire(ITEM_RESULT.from_db(r)), ItemResultOut)
            for r in results
        ],
        [
            msgspec.convert(RECTIFICATION.to_wire(RECTIFICATION.from_db(r)), RectificationOut)
            for r in rectifications
        ],
    )


async def _out(rows: list[dict[str, Any]]) -> list[InspectionOut]:
    missing = await missing_photos([r["photos"] for r in rows])
    return [
        msgspec.convert(
            {**INSPECTION.to_wire(INSPECTION.from_db(r)), "missing_photos": m}, InspectionOut
        )
        for r, m in zip(rows, missing, strict=True)
    ]


async def list_inspections(
    user: CurrentUser, status: str | None, limit: int, offset: int
) -> tuple[int, list[InspectionOut]]:
    total, rows = await page_in_scope(
        Inspection, _COLUMNS, _scope(user), Inspection.inspected_on, status, limit, offset
    )
    return total, await _out(rows)


async def get_inspection(user: CurrentUser, inspection_id: uuid.UUID) -> InspectionOut | None:
    row = await one_in_scope(Inspection, _COLUMNS, _scope(user), inspection_id)
    if row is None:
        return None
    out = (await _out([row]))[0]
    out.item_results, out.rectifications = await _children(inspection_id)
    return out
