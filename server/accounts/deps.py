"""Who is calling: the bearer token resolved to a CurrentUser, and role guards."""

from __future__ import annotations

from typing import Any

from litestar import Request

from server.accounts import repository
from server.accounts.schemas import CurrentUser, Role
from server.errors import ApiError, forbidden


def bearer_token(request: Request[Any, Any, Any]) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def provide_current_user(request: Request[Any, Any, Any]) -> CurrentUser:
    """Dependency ``current_user``: every handler that names it requires a live token."""
    token = bearer_token(request)
    if token is None:
        raise ApiError(401, "auth.required", "sign in required")
    row = await repository.principal_for_token(token)
    if row is None:
        raise ApiError(401, "auth.required", "token unknown, expired or revoked; sign in again")
    return CurrentUser(
        id=row["user_id"],
        username=row["username"],
        display_name=row["display_name"],
        role=row["role"],
        org_unit_id=row["org_unit_id"],
        org_unit_name=row["org_unit_name"],
        org_unit_path=row["org_unit_path"],
        token_id=row["id"],
        device_id=row["device_id"],
    )


def require_role(user: CurrentUser, *roles: Role) -> None:
    """Least privilege: raise 403 unless the user has one of ``roles``."""
    if user.role not in roles:
        raise forbidden(f"requires role {' or '.join(roles)}")


def client_ip(request: Request[Any, Any, Any]) -> str:
    # Behind Caddy the peer is the proxy; Caddy sets X-Forwarded-For.
    forwarded = request.headers.get("x-forwarded-for", "")
    if forwarded:
        return forwarded.split(",")[0].strip()
    return request.client.host if request.client else ""
