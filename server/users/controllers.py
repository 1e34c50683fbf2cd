"""User administration endpoints (admins)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from server.accounts.deps import client_ip, roles_only
from server.accounts.schemas import CurrentUser, Role
from server.records import Limit, Offset, Page
from server.users import service
from server.users.schemas import (
    AdminUserOut,
    OneTimePasswordOut,
    UserCreateIn,
    UserDetailOut,
    UserPatch,
)


class UserAdminController(Controller):
    path = "/api/admin/users"
    guards = [roles_only("admin")]
    tags = ["admin"]

    @get("", summary="Users of the admin's subtree, searched and filtered")
    async def list_users(
        self,
        current_user: NamedDependency[CurrentUser],
        q: FromQuery[str | None] = None,
        unit_id: FromQuery[UUID | None] = None,
        role: FromQuery[Role | None] = None,
        active: FromQuery[bool | None] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[AdminUserOut]:
        return await service.users(
            current_user, q=q, unit_id=unit_id, role=role, active=active, limit=limit, offset=offset
        )

    @post("", status_code=201, summary="Create a user with a one-time password")
    async def create(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        data: JSONBody[UserCreateIn],
    ) -> OneTimePasswordOut:
        return await service.create(current_user, data, client_ip(request))

    @get("/{user_id:uuid}", summary="One user and the devices they signed in from")
    async def detail(
        self, current_user: NamedDependency[CurrentUser], user_id: FromPath[UUID]
    ) -> UserDetailOut:
        return await service.detail(current_user, user_id)

    @patch("/{user_id:uuid}", summary="Edit a user; deactivating signs their devices out")
    async def update(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        user_id: FromPath[UUID],
        data: JSONBody[UserPatch],
    ) -> AdminUserOut:
        return await service.update(current_user, user_id, data, client_ip(request))

    @post("/{user_id:uuid}/reset-password", status_code=200, summary="Reset to a one-time password")
    async def reset_password(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        user_id: FromPath[UUID],
    ) -> OneTimePasswordOut:
        return await service.reset_password(current_user, user_id, client_ip(request))

    @post(
        "/{user_id:uuid}/devices/{token_id:uuid}/sign-out",
        status_code=204,
        summary="Sign one of the user's devices out",
    )
    async def sign_device_out(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        user_id: FromPath[UUID],
        token_id: FromPath[UUID],
    ) -> None:
        await service.sign_device_out(current_user, user_id, token_id, client_ip(request))
