"""Signing in: throttled per client address and per username before the password check."""

from __future__ import annotations

import datetime as dt
from typing import Any

from server.accounts import repository, throttle
from server.accounts.schemas import CurrentUser, LoginIn, LoginOut, PasswordChangeIn, UserOut
from server.audit import repository as audit
from server.db import transaction, utcnow
from server.errors import ApiError
from server.security import check_password, keyed_digest, new_token
from server.settings import get_settings


def username_digest(username: str) -> str:
    """What the server keeps of a typed username it could not sign in: a keyed digest (the
    typed text may be a password typed into the wrong field)."""
    return keyed_digest(get_settings().secret_key, "login-name", username.strip().lower())


def _throttled(until: dt.datetime) -> ApiError:
    retry_after = max(1, int((until - utcnow()).total_seconds() + 0.999))
    return ApiError(
        429,
        "auth.throttled",
        "too many failed sign-ins; try again later",
        {"retry_after": retry_after},
    )


async def sign_in(data: LoginIn, ip: str) -> LoginOut:
    """A device token for the right password; 401 for a wrong one; 429 while throttled.

    The address is admitted first, so a client it refuses adds no username rows; both
    admissions count the attempt before the password is checked.
    """
    settings = get_settings()
    window = settings.login_lock_seconds
    address_key = "addr:" + keyed_digest(settings.secret_key, "login-address", ip)
    name_key = "name:" + username_digest(data.username)
    until = await throttle.admit(address_key, settings.login_address_max_failures, window)
    if until is not None:
        raise _throttled(until)
    until = await throttle.admit(name_key, settings.login_max_failures, window)
    if until is not None:
        await throttle.release(address_key, reset=False)
        raise _throttled(until)
    row = await repository.user_by_username(data.username.strip())
    ok = await check_password(row["password_hash"] if row else None, data.password)
    if row is not None and ok and row["active"]:
        await throttle.release(name_key, reset=True)
        await throttle.release(address_key, reset=False)
        return await _issue(row, data, ip)
    locked = [
        await throttle.failed(address_key, settings.login_address_max_failures, window),
        await throttle.failed(name_key, settings.login_max_failures, window),
    ]
    # A known account is named by its id; an unknown name only by its digest.
    who = {"user_id": str(row["id"])} if row else {"username_digest": name_key[5:21]}
    await audit.record("auth.login_failed", actor_id=None, details=who, ip=ip)
    until = max((t for t in locked if t is not None), default=None)
    if until is not None:
        raise _throttled(until)
    raise ApiError(401, "auth.invalid_credentials", "wrong username or password")


async def _issue(row: dict[str, Any], data: LoginIn, ip: str) -> LoginOut:
    token = new_token()
    await repository.issue_token(
        row["id"], token, data.device_id, data.device_name, get_settings().token_ttl_days
    )
    user = await repository.principal_for_token(token)
    assert user is not None
    await audit.record(
        "auth.login",
        actor_id=row["id"],
        details={"device_id": data.device_id, "device_name": data.device_name},
        ip=ip,
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
            must_change_password=bool(row["must_change_password"]),
        ),
    )


async def change_password(user: CurrentUser, data: PasswordChangeIn, ip: str) -> None:
    """The signed-in user's own password; the current one is checked first."""
    if not await check_password(await repository.password_hash(user.id), data.current_password):
        raise ApiError(400, "auth.wrong_password", "当前密码不正确", {"field": "current_password"})
    if data.new_password == data.current_password:
        raise ApiError(
            400, "auth.password_unchanged", "新密码不能与当前密码相同", {"field": "new_password"}
        )
    async with transaction():
        await repository.set_password(user.id, data.new_password, must_change=False)
        await audit.record(
            "auth.password_changed", actor_id=user.id, entity="user", entity_id=user.id, ip=ip
        )
