"""A fresh install for a real county: its top unit and its first admin, on an empty database
(no demo data). ``zoufang init`` calls it; everything else is then done in the admin console."""

from __future__ import annotations

import secrets

from server.accounts import repository
from server.accounts.tables import OrgUnit, User
from server.audit import repository as audit
from server.db import transaction

#: No 0/O, 1/l/I: easy to read off a terminal and type on a phone.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class NotEmpty(Exception):
    """The database already holds org units: init runs once, on an empty one."""


async def init_county(
    county: str, username: str, display_name: str, password: str | None
) -> str | None:
    """Create the county and its admin in one transaction. Without ``password`` the admin gets
    a one-time password (returned) to change at first sign-in."""
    one_time = None
    if password is None:
        one_time = password = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    async with transaction():
        if await OrgUnit.exists() or await User.exists():
            raise NotEmpty("the database already has org units or users")
        unit = await repository.create_org_unit(county, "county")
        user = await repository.create_user(username, password, display_name, "admin", unit.id)
        if one_time is not None:
            await repository.set_password(user.id, one_time, must_change=True)
        await audit.record(
            "system.init",
            actor_id=None,
            entity="org_unit",
            entity_id=unit.id,
            details={"county": county, "admin": username},
        )
    return one_time
