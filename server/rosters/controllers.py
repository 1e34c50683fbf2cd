"""Roster endpoints (the phone keeps its own copy through sync pull; these serve lists online)."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery

from server.accounts.deps import require_role
from server.accounts.schemas import CurrentUser
from server.records import Limit, Offset, Page
from server.rosters import repository
from server.rosters.schemas import ServiceCenterOut, TalentOut


class RosterController(Controller):
    path = "/api"
    tags = ["rosters"]

    @get(
        "/talents",
        summary="Talents the caller may read (server.rosters.scope); q matches name or pinyin initials",
    )
    async def talents(
        self,
        current_user: NamedDependency[CurrentUser],
        q: FromQuery[str | None] = None,
        org_unit_id: FromQuery[UUID | None] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[TalentOut]:
        require_role(current_user, "field_staff", "supervisor", "handler", "admin")
        total, items = await repository.list_talents(current_user, q, org_unit_id, limit, offset)
        return Page(total=total, items=items)

    @get("/service-centers", summary="Service centres in the caller's subtree")
    async def service_centers(
        self,
        current_user: NamedDependency[CurrentUser],
        q: FromQuery[str | None] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[ServiceCenterOut]:
        require_role(current_user, "field_staff", "supervisor", "admin")
        total, items = await repository.list_service_centers(current_user, q, limit, offset)
        return Page(total=total, items=items)
