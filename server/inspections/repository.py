"""Reading inspections within a user's scope."""

from __future__ import annotations

import uuid
from typing import Any

from server.accounts.schemas import CurrentUser
from server.accounts.scope import record_filter
from server.db import json_load
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
            ItemResultOut(
                id=r["id"],
                item_id=r["item"],
                dimension=r["dimension"],
                title=r["title"],
                max_score=r["max_score"],
                result=r["result"],
                score=r["score"],
                note=r["note"],
                photos=json_load(r["photos"]) or [],
                version=r["version"],
            )
            for r in results
        ],
        [
            RectificationOut(
                id=r["id"],
                item_id=r["item"],
                issue=r["issue"],
                responsible_unit_id=r["responsible_unit"],
                responsible_unit_name=r["responsible_unit_name"],
                deadline=r["deadline"],
                status=r["status"],
                version=r["version"],
            )
            for r in rectifications
        ],
    )


async def _out(rows: list[dict[str, Any]]) -> list[InspectionOut]:
    missing = await missing_photos([r["photos"] for r in rows])
    return [
        InspectionOut(
            id=r["id"],
            version=r["version"],
            service_center_id=r["service_center"],
            service_center_name=r["service_center_name"],
            template_id=r["template"],
            inspector_id=r["inspector"],
            inspector_name=r["inspector_name"],
            org_unit_id=r["org_unit"],
            org_unit_name=r["org_unit_name"],
            inspected_on=r["inspected_on"],
            notes=r["notes"],
            total_score=r["total_score"],
            latitude=r["latitude"],
            longitude=r["longitude"],
            accuracy=r["accuracy"],
            located_at=r["located_at"],
            photos=json_load(r["photos"]) or [],
            missing_photos=m,
            status=r["status"],
            review_comment=r["review_comment"],
            reviewed_at=r["reviewed_at"],
            submitted_at=r["submitted_at"],
            created_at=r["created_at"],
            updated_at=r["updated_at"],
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
