"""Fixtures of the admin console's API tests: the county admin, and a township admin whose
scope is 城关镇 alone (to check that scope is enforced)."""

from __future__ import annotations

import httpx
import pytest

from server.accounts import repository as accounts
from server.demo import DEMO_PASSWORD
from tests.support.client import login


async def unit_id(name: str) -> str:
    row = await accounts.find_org_unit(name)
    assert row is not None, name
    return str(row["id"])


@pytest.fixture
async def county_admin(client: httpx.AsyncClient) -> dict[str, str]:
    return await login(client, "admin")


@pytest.fixture
async def township_admin(client: httpx.AsyncClient) -> dict[str, str]:
    unit = await accounts.find_org_unit("城关镇")
    assert unit is not None
    await accounts.create_user("cgadmin", DEMO_PASSWORD, "城关管理员", "admin", unit["id"])
    return await login(client, "cgadmin")
