"""Sign-in, sign-out, the current user and the org tree."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from server.accounts import repository, service
from server.accounts.deps import client_ip, require_role
from server.accounts.schemas import (
    CurrentUser,
    LoginIn,
    LoginOut,
    OrgUnitOut,
    PasswordChangeIn,
    UserOut,
)
from server.audit import repository as audit


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]

    @post("/login", status_code=200, summary="Sign in and get a device token")
    async def login(self, request: Request[Any, Any, Any], data: JSONBody[LoginIn]) -> LoginOut:
        return await service.sign_in(data, client_ip(request))

    @post("/logout", status_code=204, summary="Revoke this device's token")
    async def logout(self, current_user: NamedDependency[CurrentUser]) -> None:
        await repository.revoke_token(current_user.token_id)
        await audit.record("auth.logout", actor_id=current_user.id)


class MeController(Controller):
    path = "/api"
    tags = ["auth"]

    @get("/me", summary="The signed-in user")
    async def me(self, current_user: NamedDependency[CurrentUser]) -> UserOut:
        return current_user.out()

    @post("/me/password", status_code=204, summary="Change my own password")
    async def change_password(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        data: JSONBody[PasswordChangeIn],
    ) -> None:
        await service.change_password(current_user, data, client_ip(request))

    @get("/org-units", summary="The org units in the caller's scope")
    async def org_units(self, current_user: NamedDependency[CurrentUser]) -> list[OrgUnitOut]:
        require_role(current_user, "field_staff", "supervisor", "handler", "admin")
        rows = await repository.subtree(current_user.org_unit_path)
        return [
            OrgUnitOut(
                id=r["id"], name=r["name"], kind=r["kind"], parent_id=r["parent"], path=r["path"]
            )
            for r in rows
        ]
