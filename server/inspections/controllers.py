"""Reading inspections: a user sees only what their role and unit allow (server.accounts.scope)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from server.accounts.schemas import CurrentUser
from server.audit.access import access_log
from server.errors import not_found
from server.inspections import repository
from server.inspections.schemas import InspectionOut
from server.records import Limit, Offset, Page


class InspectionController(Controller):
    path = "/api/inspections"
    tags = ["inspections"]

    @get("/", summary="Inspections in the caller's scope, newest first")
    async def list_inspections(
        self,
        current_user: NamedDependency[CurrentUser],
        status: FromQuery[str | None] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[InspectionOut]:
        total, items = await repository.list_inspections(current_user, status, limit, offset)
        return Page(total=total, items=items)

    @get("/{inspection_id:uuid}", summary="One inspection with item results and rectifications")
    async def get_inspection(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        inspection_id: FromPath[UUID],
    ) -> InspectionOut:
        inspection = await repository.get_inspection(current_user, inspection_id)
        if inspection is None:
            raise not_found("inspection")
        access_log(request).read(request, current_user, "inspection", inspection_id)
        return inspection
