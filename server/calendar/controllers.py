"""The working-day calendar's endpoints: anyone signed in reads a year, admins correct it."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from server.accounts.deps import client_ip, require_role, roles_only
from server.accounts.schemas import CurrentUser
from server.calendar import service
from server.calendar.schemas import CalendarYearIn, CalendarYearOut


class CalendarController(Controller):
    path = "/api/calendar"
    tags = ["calendar"]

    @get("/{year:int}", summary="One year's public holidays and 调休 working days")
    async def get_year(
        self, current_user: NamedDependency[CurrentUser], year: FromPath[int]
    ) -> CalendarYearOut:
        return await service.get_year(year)

    @put(
        "/{year:int}",
        summary="Replace one year's holidays and 调休 working days (admins)",
        guards=[roles_only("admin")],
    )
    async def put_year(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        year: FromPath[int],
        data: JSONBody[CalendarYearIn],
    ) -> CalendarYearOut:
        require_role(current_user, "admin")
        return await service.save_year(year, data, current_user, client_ip(request))
