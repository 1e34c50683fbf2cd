"""Reading visits within a user's scope."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from server.accounts.schemas import CurrentUser
from server.accounts.scope import record_filter
from server.demands.entity import DEMAND
from server.demands.tables import Demand
from server.media.links import missing_photos
from server.records import one_in_scope, page_in_scope
from server.visits.entity import VISIT
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
                msgspec.convert(DEMAND.to_wire(DEMAND.from_db(d)), DemandOut)
            )
    return [
        msgspec.convert(
            {
                **VISIT.to_wire(VISIT.from_db(r)),
                "missing_photos": m,
                "demands": demands.get(r["id"], []),
            },
            VisitOut,
        )
        for r, m in zip(rows, missing, strict=True)
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
