"""Wire formats of sign-in and users."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

import msgspec

Role = Literal["field_staff", "supervisor", "handler", "admin"]

Username = Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class LoginIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    username: Username
    password: Password
    #: Made once on the device (crypto.randomUUID()); names the device's token and sync stream.
    device_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] = "unknown"
    device_name: Annotated[str, msgspec.Meta(max_length=100)] = ""


class UserOut(msgspec.Struct, kw_only=True):
    id: UUID
    username: str
    display_name: str
    role: Role
    org_unit_id: UUID
    org_unit_name: str
    #: Signed in with a one-time password from an admin: change it before anything else.
    must_change_password: bool = False


class LoginOut(msgspec.Struct, kw_only=True):
    token: str
    user: UserOut


class CurrentUser(msgspec.Struct, kw_only=True, frozen=True):
    """Who is calling, resolved from the bearer token on every request."""

    id: UUID
    username: str
    display_name: str
    role: Role
    org_unit_id: UUID
    org_unit_name: str
    #: Materialised path of the user's unit; their scope is every unit whose path starts with it.
    org_unit_path: str
    token_id: UUID
    device_id: str
    must_change_password: bool = False
    #: Change number of the user's last scope change (``server.sync.pull``).
    scope_seq: int = 0

    def out(self) -> UserOut:
        return UserOut(
            id=self.id,
            username=self.username,
            display_name=self.display_name,
            role=self.role,
            org_unit_id=self.org_unit_id,
            org_unit_name=self.org_unit_name,
            must_change_password=self.must_change_password,
        )

    def ancestor_ids(self) -> list[UUID]:
        """The user's unit and every unit above it (where campaigns and templates apply from)."""
        return [UUID(part) for part in self.org_unit_path.strip("/").split("/") if part]

    def covers(self, unit_path: str) -> bool:
        """Is a unit (by its path) inside this user's subtree?"""
        return unit_path.startswith(self.org_unit_path)


NewPassword = Annotated[str, msgspec.Meta(min_length=8, max_length=200)]


class PasswordChangeIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    current_password: Password
    new_password: NewPassword


class OrgUnitOut(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    kind: str
    parent_id: UUID | None
    path: str
