"""Org-unit administration endpoints (admins)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from server.accounts.deps import client_ip, roles_only
from server.accounts.schemas import CurrentUser
from server.orgunits import service
from server.orgunits.schemas import AdminOrgUnitOut, OrgUnitIn, OrgUnitPatch


class OrgUnitAdminController(Controller):
    path = "/api/admin/org-units"
    guards = [roles_only("admin")]
    tags = ["admin"]

    @get("", summary="The org tree of the admin's subtree, inactive units included")
    async def list_units(self, current_user: NamedDependency[CurrentUser]) -> list[AdminOrgUnitOut]:
        return await service.units(current_user)

    @post("", status_code=201, summary="Create an org unit")
    async def create(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        data: JSONBody[OrgUnitIn],
    ) -> AdminOrgUnitOut:
        return await service.create(current_user, data, client_ip(request))

    @patch("/{unit_id:uuid}", summary="Rename, move or (de)activate an org unit")
    async def update(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        unit_id: FromPath[UUID],
        data: JSONBody[OrgUnitPatch],
    ) -> AdminOrgUnitOut:
        return await service.update(current_user, unit_id, data, client_ip(request))
