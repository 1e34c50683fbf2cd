"""The supervisor's desk API: supervisors and admins, within their unit's subtree."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from server.accounts.deps import client_ip, roles_only
from server.accounts.schemas import CurrentUser
from server.audit import repository as audit
from server.desk import export, service
from server.desk.schemas import (
    SEARCH_MAX,
    BatchReviewIn,
    BatchReviewOut,
    DemandFilter,
    Filters,
    FlagName,
    MapOut,
    RecordDetail,
    RecordKind,
    RecordRow,
    Sort,
)
from server.errors import ApiError
from server.records import Limit, Offset, Page
from sync import protocol

Search = Annotated[str, QueryParameter(max_length=SEARCH_MAX)]
MapLimit = Annotated[int, QueryParameter(ge=1, le=5000)]


async def provide_filters(
    current_user: NamedDependency[CurrentUser],
    week: FromQuery[str | None] = None,
    date_from: FromQuery[dt.date | None] = None,
    date_to: FromQuery[dt.date | None] = None,
    unit_id: FromQuery[UUID | None] = None,
    person_id: FromQuery[UUID | None] = None,
    campaign_id: FromQuery[UUID | None] = None,
    kind: FromQuery[RecordKind | None] = None,
    status: FromQuery[protocol.RecordStatus | None] = None,
    demands: FromQuery[DemandFilter | None] = None,
    has_photos: FromQuery[bool | None] = None,
    has_location: FromQuery[bool | None] = None,
    flag: FromQuery[list[FlagName] | None] = None,
    q: Search = "",
) -> Filters:
    """The filters of the records table, map and export, from the query string."""
    service.scope(current_user)
    if week:
        if date_from or date_to:
            raise ApiError(400, "desk.bad_filter", "周次与日期范围不能同时使用")
        date_from, date_to = service.week_range(week)
    if date_from and date_to and date_from > date_to:
        raise ApiError(400, "desk.bad_filter", "开始日期不能晚于结束日期")
    return Filters(
        date_from=date_from,
        date_to=date_to,
        unit_path=await service.unit_filter(current_user, unit_id) if unit_id else None,
        person_id=person_id,
        campaign_id=campaign_id,
        kind=kind,
        status=status,
        demands=demands,
        has_photos=has_photos,
        has_location=has_location,
        flags=tuple(dict.fromkeys(flag or ())),
        q=q.strip(),
    )


class DeskController(Controller):
    path = "/api/desk"
    guards = [roles_only("supervisor", "admin")]
    tags = ["desk"]
    dependencies = {"filters": Provide(provide_filters)}

    @get("/records", summary="The records table: filtered, searched, sorted, paged")
    async def records(
        self,
        current_user: NamedDependency[CurrentUser],
        filters: NamedDependency[Filters],
        sort: FromQuery[Sort] = "-day",
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[RecordRow]:
        return await service.records(current_user, filters, sort, limit, offset)

    @get("/records.xlsx", summary="The filtered records as an XLSX file (audited)")
    async def export_records(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        filters: NamedDependency[Filters],
        sort: FromQuery[Sort] = "-day",
    ) -> Response[bytes]:
        rows = await service.export_rows(current_user, filters, sort)
        body = export.to_xlsx(rows)
        await audit.record(
            "desk.export",
            actor_id=current_user.id,
            entity="records",
            details={"rows": len(rows), "bytes": len(body), "q": filters.q},
            ip=client_ip(request),
        )
        return Response(
            body,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": "attachment; filename*=UTF-8''records.xlsx"},
        )

    @get("/records/{kind:str}/{record_id:uuid}", summary="A record with its history and flags")
    async def record(
        self,
        current_user: NamedDependency[CurrentUser],
        kind: FromPath[RecordKind],
        record_id: FromPath[UUID],
    ) -> RecordDetail:
        return await service.detail(current_user, kind, record_id)

    @get("/map", summary="Located records of the filters, and the subtree's centres")
    async def map_view(
        self,
        current_user: NamedDependency[CurrentUser],
        filters: NamedDependency[Filters],
        limit: MapLimit = 2000,
    ) -> MapOut:
        return await service.map_view(current_user, filters, limit)

    @post("/reviews", status_code=200, summary="Approve or return selected records")
    async def batch_review(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        data: JSONBody[BatchReviewIn],
    ) -> BatchReviewOut:
        return await service.batch_review(current_user, data, client_ip(request))
