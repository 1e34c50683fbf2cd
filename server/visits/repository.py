"""Reading visits within a user's scope."""

from __future__ import annotations

import uuid
from typing import Any

from server.accounts.schemas import CurrentUser
from server.accounts.scope import record_filter
from server.db import json_load
from server.demands.tables import Demand
from server.media.links import missing_photos
from server.records import one_in_scope, page_in_scope
from server.visits.schemas import DemandOut, VisitOut
from server.visits.tables import Visit

_COLUMNS = (
    *Visit.all_columns(exclude=[Visit.change_seq, Visit.deleted_at, Visit.reviewed_by]),
    Visit.talent.name.as_alias("talent_name"),
    Visit.visitor.display_name.as_alias("visitor_name"),
    Visit.org_unit.name.as_alias("org_unit_name"),
)


def _scope(user: CurrentUser) -> Any | None:
    return record_filter(user, Visit.visitor, Visit.org_unit)


async def _out(rows: list[dict[str, Any]], with_demands: bool) -> list[VisitOut]:
    missing = await missing_photos([r["photos"] for r in rows])
    demands: dict[uuid.UUID, list[DemandOut]] = {}
    if with_demands and rows:
        for d in (
            await Demand.select()
            .where(Demand.visit.is_in([r["id"] for r in rows]) & Demand.deleted_at.is_null())
            .order_by(Demand.created_at)
        ):
            demands.setdefault(d["visit"], []).append(
                DemandOut(
                    id=d["id"],
                    ask_key=d["ask_key"],
                    category=d["category"],
                    description=d["description"],
                    resolved_on_site=d["resolved_on_site"],
                    status=d["status"],
                    handler_unit_id=d["handler_unit"],
                    due_date=d["due_date"],
                    closed_at=d["closed_at"],
                    satisfaction=d["satisfaction"],
                    version=d["version"],
                )
            )
    return [
        VisitOut(
            id=r["id"],
            version=r["version"],
            campaign_id=r["campaign"],
            talent_id=r["talent"],
            talent_name=r["talent_name"],
            target_unit_name=r["target_unit_name"],
            visited_on=r["visited_on"],
            mode=r["mode"],
            visitor_id=r["visitor"],
            visitor_name=r["visitor_name"],
            org_unit_id=r["org_unit"],
            org_unit_name=r["org_unit_name"],
            visitors=json_load(r["visitors"]) or [],
            lead_official=r["lead_official"],
            place=r["place"],
            latitude=r["latitude"],
            longitude=r["longitude"],
            accuracy=r["accuracy"],
            located_at=r["located_at"],
            sends=json_load(r["sends"]) or [],
            policies=r["policies"],
            asks=json_load(r["asks"]) or {},
            notes=r["notes"],
            photos=json_load(r["photos"]) or [],
            missing_photos=missing,
            status=r["status"],
            review_comment=r["review_comment"],
            reviewed_at=r["reviewed_at"],
            submitted_at=r["submitted_at"],
            created_at=r["created_at"],
            updated_at=r["updated_at"],
            demands=demands.get(r["id"], []),
        )
        for r, missing in zip(rows, missing, strict=True)
    ]


async def list_visits(
    user: CurrentUser, status: str | None, limit: int, offset: int
) -> tuple[int, list[VisitOut]]:
    total, rows = await page_in_scope(
        Visit, _COLUMNS, _scope(user), Visit.visited_on, status, limit, offset
    )
    return total, await _out(rows, with_demands=False)


async def get_visit(user: CurrentUser, visit_id: uuid.UUID) -> VisitOut | None:
    row = await one_in_scope(Visit, _COLUMNS, _scope(user), visit_id)
    return (await _out([row], with_demands=True))[0] if row else None
