"""``zoufang init``: a real county on an empty database (no demo data), refused on one that
already has units."""

from __future__ import annotations

import pytest

from server.accounts import repository as accounts
from server.accounts.first_run import NotEmpty, init_county
from server.accounts.tables import OrgUnit, User
from tests.support.db import wipe


async def test_init_refuses_a_database_with_units(client: object) -> None:
    with pytest.raises(NotEmpty):
        await init_county("新县", "root", "管理员", "long-enough-1")


async def test_init_on_an_empty_database_makes_the_county_and_its_admin(client: object) -> None:
    await wipe()
    one_time = await init_county("青石县", "root", "系统管理员", None)
    assert one_time is not None and len(one_time) == 12
    units = await OrgUnit.select()
    assert [(u["name"], u["kind"], u["parent"]) for u in units] == [("青石县", "county", None)]
    admin = await accounts.user_by_username("root")
    assert admin is not None and admin["role"] == "admin" and admin["must_change_password"]
    assert await User.count() == 1
