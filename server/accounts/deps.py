"""Who is calling: the bearer token resolved to a CurrentUser, and role guards."""

from __future__ import annotations

import ipaddress
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from server.accounts import repository
from server.accounts.schemas import CurrentUser, Role
from server.errors import ApiError, forbidden
from server.settings import get_settings


def bearer_token(request: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


#: Where a request keeps the user its token names, once looked up (a guard, then the handler).
_USER_KEY = "zoufang.current_user"


async def provide_current_user(request: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser:
    """Dependency ``current_user``: every handler that names it requires a live token."""
    known = request.scope.get(_USER_KEY)
    if isinstance(known, CurrentUser):
        return known
    user = await _principal(request)
    request.scope[_USER_KEY] = user  # type: ignore[literal-required]
    return user


async def _principal(request: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser:
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
        must_change_password=bool(row["must_change_password"]),
        scope_seq=row["scope_seq"],
    )


def roles_only(*roles: Role) -> Guard:
    """A route guard: only these roles get past it, checked before the request's body is read
    (a refused caller learns nothing from how their input would have been validated)."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        require_role(await provide_current_user(connection), *roles)

    return guard


def require_role(user: CurrentUser, *roles: Role) -> None:
    """Least privilege: raise 403 unless the user has one of ``roles``."""
    if user.role not in roles:
        raise forbidden(f"requires role {' or '.join(roles)}")


#: Longest address stored (the audit log's column): an IPv6 address with a zone fits.
ADDRESS_MAX_LENGTH = 64


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_ip(request: Request[Any, Any, Any]) -> str:
    """The client's address. ``X-Forwarded-For`` counts only from a trusted proxy
    (``TRUSTED_PROXIES``): read from the right, each hop a trusted proxy added is skipped, and
    the first address no trusted proxy vouches for is the client. Anything else says nothing."""
    peer = request.client.host if request.client else ""
    trusted = get_settings().trusted_proxies
    hop = _address(peer)
    hops = [part for part in request.headers.get("x-forwarded-for", "").split(",") if part.strip()]
    while hop is not None and hops and any(hop in network for network in trusted):
        forwarded = _address(hops.pop())
        if forwarded is None:
            break
        hop = forwarded
    return (str(hop) if hop is not None else peer)[:ADDRESS_MAX_LENGTH]


def require_scope(user: CurrentUser, unit_path: str) -> None:
    """403 unless the unit (by its path) lies in the user's subtree."""
    if not user.covers(unit_path):
        raise ApiError(403, "auth.out_of_scope", "该单位不在您的管辖范围内")
