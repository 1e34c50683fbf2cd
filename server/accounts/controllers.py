"""Sign-in, sign-out, the current user and the org tree."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from server.accounts import repository
from server.accounts.deps import client_ip, require_role
from server.accounts.schemas import CurrentUser, LoginIn, LoginOut, OrgUnitOut, UserOut
from server.audit import repository as audit
from server.db import utcnow
from server.errors import ApiError
from server.security import new_token, verify_password
from server.settings import get_settings


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]

    @post("/login", status_code=200, summary="Sign in and get a device token")
    async def login(self, request: Request[Any, Any, Any], data: JSONBody[LoginIn]) -> LoginOut:
        settings = get_settings()
        key = data.username.strip().lower()
        locked_until = await repository.throttle_state(key)
        if locked_until is None:
            row = await repository.user_by_username(data.username.strip())
            ok = verify_password(row["password_hash"] if row else None, data.password)
            if row is not None and ok and row["active"]:
                await repository.clear_failures(key)
                token = new_token()
                await repository.issue_token(
                    row["id"], token, data.device_id, data.device_name, settings.token_ttl_days
                )
                user = await repository.principal_for_token(token)
                assert user is not None
                await audit.record(
                    "auth.login",
                    actor_id=row["id"],
                    details={"device_id": data.device_id, "device_name": data.device_name},
                    ip=client_ip(request),
                )
                return LoginOut(
                    token=token,
                    user=UserOut(
                        id=row["id"],
                        username=row["username"],
                        display_name=row["display_name"],
                        role=row["role"],
                        org_unit_id=user["org_unit_id"],
                        org_unit_name=user["org_unit_name"],
                    ),
                )
            locked_until = await repository.record_failure(
                key, settings.login_max_failures, settings.login_lock_seconds
            )
            await audit.record(
                "auth.login_failed", actor_id=None, details={"username": key}, ip=client_ip(request)
            )
            if locked_until is None:
                raise ApiError(401, "auth.invalid_credentials", "wrong username or password")
        retry_after = max(1, int((locked_until - utcnow()).total_seconds()))
        raise ApiError(
            429,
            "auth.throttled",
            "too many failed sign-ins; try again later",
            {"retry_after": retry_after},
        )

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
