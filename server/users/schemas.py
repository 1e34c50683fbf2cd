"""Wire formats of user administration."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from uuid import UUID

import msgspec

from server.accounts.schemas import Role

Username = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9_.-]{1,49}$")]
DisplayName = Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
Phone = Annotated[str, msgspec.Meta(pattern=r"^[0-9+\- ]{0,20}$")]


class UserCreateIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    username: Username
    display_name: DisplayName
    role: Role
    org_unit_id: UUID
    phone: Phone | None = None


class UserPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Only the fields sent change."""

    display_name: DisplayName | msgspec.UnsetType = msgspec.UNSET
    phone: Phone | msgspec.UnsetType | None = msgspec.UNSET
    role: Role | msgspec.UnsetType = msgspec.UNSET
    org_unit_id: UUID | msgspec.UnsetType = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET


class AdminUserOut(msgspec.Struct, kw_only=True):
    id: UUID
    username: str
    display_name: str
    role: Role
    org_unit_id: UUID
    org_unit_name: str
    #: Masked in lists; whole in one user's detail (the admin edits it there).
    phone: str
    active: bool
    must_change_password: bool


class DeviceOut(msgspec.Struct, kw_only=True):
    #: The device token's id (what "sign this device out" names).
    id: UUID
    device_id: str
    device_name: str
    signed_in_at: dt.datetime
    last_used_at: dt.datetime | None
    #: When this device last pushed through its sync stream.
    last_sync_at: dt.datetime | None
    expires_at: dt.datetime
    revoked_at: dt.datetime | None


class UserDetailOut(msgspec.Struct, kw_only=True):
    user: AdminUserOut
    devices: list[DeviceOut]


class OneTimePasswordOut(msgspec.Struct, kw_only=True):
    """Shown once to the admin; the user must change it at next sign-in."""

    user: AdminUserOut
    one_time_password: str
