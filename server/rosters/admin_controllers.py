"""Roster administration for admins, within their unit's subtree. Lists and search are the
shared ``GET /api/talents`` and ``GET /api/service-centers``; these read one row for its edit
form and write through :mod:`server.rosters.service`."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from server.accounts.deps import client_ip, require_role, roles_only
from server.accounts.schemas import CurrentUser
from server.rosters import repository, service
from server.rosters.admin_schemas import (
    DeactivateIn,
    ServiceCenterDetail,
    ServiceCenterIn,
    TalentDetail,
    TalentIn,
    Written,
)
from server.sync.write import server_write


def _admin(user: CurrentUser) -> None:
    require_role(user, "admin")


class RosterAdminController(Controller):
    path = "/api/admin"
    guards = [roles_only("admin")]
    tags = ["roster administration"]

    @get("/talents/{talent_id:uuid}", summary="One talent for its edit form (admin)")
    async def talent(
        self, current_user: NamedDependency[CurrentUser], talent_id: FromPath[UUID]
    ) -> TalentDetail:
        _admin(current_user)
        return await repository.talent_detail(current_user, talent_id)

    @post("/talents", status_code=201, summary="Add a talent (admin)")
    async def create_talent(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        data: JSONBody[TalentIn],
    ) -> Written:
        _admin(current_user)
        async with server_write(current_user, service.STREAM, ip=client_ip(request)) as write:
            return await service.create_talent(write, data)

    @put("/talents/{talent_id:uuid}", summary="Edit a talent (admin)")
    async def update_talent(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        talent_id: FromPath[UUID],
        data: JSONBody[TalentIn],
    ) -> Written:
        _admin(current_user)
        async with server_write(current_user, service.STREAM, ip=client_ip(request)) as write:
            return await service.update_talent(write, talent_id, data)

    @post("/talents/{talent_id:uuid}/deactivate", status_code=200, summary="Deactivate a talent")
    async def deactivate_talent(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        talent_id: FromPath[UUID],
        data: JSONBody[DeactivateIn],
    ) -> Written:
        _admin(current_user)
        async with server_write(current_user, service.STREAM, ip=client_ip(request)) as write:
            return await service.deactivate_talent(write, talent_id, data.version)

    @get("/service-centers/{centre_id:uuid}", summary="One service centre for its edit form")
    async def centre(
        self, current_user: NamedDependency[CurrentUser], centre_id: FromPath[UUID]
    ) -> ServiceCenterDetail:
        _admin(current_user)
        return await repository.centre_detail(current_user, centre_id)

    @post("/service-centers", status_code=201, summary="Add a service centre (admin)")
    async def create_centre(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        data: JSONBody[ServiceCenterIn],
    ) -> Written:
        _admin(current_user)
        async with server_write(current_user, service.STREAM, ip=client_ip(request)) as write:
            return await service.create_centre(write, data)

    @put("/service-centers/{centre_id:uuid}", summary="Edit a service centre (admin)")
    async def update_centre(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        centre_id: FromPath[UUID],
        data: JSONBody[ServiceCenterIn],
    ) -> Written:
        _admin(current_user)
        async with server_write(current_user, service.STREAM, ip=client_ip(request)) as write:
            return await service.update_centre(write, centre_id, data)

    @post(
        "/service-centers/{centre_id:uuid}/deactivate",
        status_code=200,
        summary="Deactivate a service centre (admin)",
    )
    async def deactivate_centre(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        centre_id: FromPath[UUID],
        data: JSONBody[DeactivateIn],
    ) -> Written:
        _admin(current_user)
        async with server_write(current_user, service.STREAM, ip=client_ip(request)) as write:
            return await service.deactivate_centre(write, centre_id, data.version)
