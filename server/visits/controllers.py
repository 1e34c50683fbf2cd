"""Reading visits: a user sees only what their role and unit allow (server.accounts.scope)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from server.accounts.schemas import CurrentUser
from server.audit.access import access_log
from server.errors import not_found
from server.records import Limit, Offset, Page
from server.visits import repository
from server.visits.schemas import VisitOut


class VisitController(Controller):
    path = "/api/visits"
    tags = ["visits"]

    @get("/", summary="Visits in the caller's scope, newest first")
    async def list_visits(
        self,
        current_user: NamedDependency[CurrentUser],
        status: FromQuery[str | None] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[VisitOut]:
        total, items = await repository.list_visits(current_user, status, limit, offset)
        return Page(total=total, items=items)

    @get("/{visit_id:uuid}", summary="One visit with its demands")
    async def get_visit(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        visit_id: FromPath[UUID],
    ) -> VisitOut:
        visit = await repository.get_visit(current_user, visit_id)
        if visit is None:
            # Outside the caller's scope looks the same as absent: no probing for ids.
            raise not_found("visit")
        access_log(request).read(request, current_user, "visit", visit_id)
        return visit
