"""The demand loop's endpoints: lists and one demand for those who follow it, and the steps."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from server.accounts.deps import client_ip
from server.accounts.schemas import CurrentUser
from server.audit.access import access_log
from server.demands import actions, service
from server.demands.schemas import (
    DemandActionIn,
    DemandDetailOut,
    DemandOut,
    HandlerUnitOut,
    View,
)
from server.errors import not_found
from server.records import Limit, Offset, Page


class DemandController(Controller):
    path = "/api/demands"
    tags = ["demands"]

    @get(
        "/",
        summary="Demands the caller follows (reviewers: their area; handlers: assigned to them)",
    )
    async def list_demands(
        self,
        current_user: NamedDependency[CurrentUser],
        view: FromQuery[View] = "open",
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[DemandOut]:
        total, items = await service.list_demands(current_user, view, limit, offset)
        return Page(total=total, items=items)

    @get("/handler-units", summary="Units a reviewer may assign demands to")
    async def handler_units(
        self, current_user: NamedDependency[CurrentUser]
    ) -> list[HandlerUnitOut]:
        return await service.handler_units(current_user)

    @get(
        "/{demand_id:uuid}",
        summary="One demand with its steps so far and the steps open to the caller",
    )
    async def get_demand(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        demand_id: FromPath[UUID],
    ) -> DemandDetailOut:
        demand = await service.get_demand(current_user, demand_id)
        if demand is None:
            raise not_found("demand")
        access_log(request).read(request, current_user, "demand", demand_id)
        return demand

    @post("/{demand_id:uuid}/actions", status_code=200, summary="Take one step on a demand")
    async def act(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        demand_id: FromPath[UUID],
        data: JSONBody[DemandActionIn],
    ) -> DemandDetailOut:
        return await actions.act(demand_id, data, current_user, client_ip(request))
