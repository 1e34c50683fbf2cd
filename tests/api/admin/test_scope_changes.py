"""Scope changes reach phones: after a user moves unit or changes role, or a unit moves, the
next pull of an affected device from an older cursor is a full resync (the phone drops what it
may no longer see and gets what it now may); nobody else's phone notices."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.admin.conftest import unit_id
from tests.support.client import login
from tests.sync.helpers import Device

Client = httpx.AsyncClient


def _talent_units(changes: list[dict[str, Any]]) -> set[str]:
    return {
        c["record"]["org_unit_id"]
        for c in changes
        if c["op"] == "upsert" and c["record"]["entity"] == "talent"
    }


async def _user(client: Client, admin: dict[str, str], username: str) -> str:
    items = (await client.get("/api/admin/users", params={"q": username}, headers=admin)).json()
    return next(u["id"] for u in items["items"] if u["username"] == username)


async def test_moving_a_user_resyncs_their_phone_with_the_new_units_rows(
    client: Client, county_admin: dict[str, str]
) -> None:
    phone = Device(client, await login(client, "zhangsan", "zs-phone"), "zs-phone")
    other = Device(client, await login(client, "lisi", "ls-phone"), "ls-phone")
    changes, cursor = await phone.pull_all()
    _, other_cursor = await other.pull_all()
    before = _talent_units(changes)
    zhangsan = await _user(client, county_admin, "zhangsan")
    moved = await client.patch(
        f"/api/admin/users/{zhangsan}",
        headers=county_admin,
        json={"org_unit_id": await unit_id("南山镇")},
    )
    assert moved.status_code == 200, moved.text
    page = await phone.pull(cursor)
    assert page["reset_required"] is True and page["cursor"] is None
    fresh, new_cursor = await phone.pull_all()
    after = _talent_units(fresh)
    assert after and not after & before
    # The resync is done once: the next pull goes on from its cursor.
    assert (await phone.pull(new_cursor))["reset_required"] is False
    assert (await other.pull(other_cursor))["reset_required"] is False


async def test_a_role_change_resyncs_and_a_rename_does_not(
    client: Client, county_admin: dict[str, str]
) -> None:
    phone = Device(client, await login(client, "wangwu", "ww-phone"), "ww-phone")
    _, cursor = await phone.pull_all()
    wangwu = await _user(client, county_admin, "wangwu")
    await client.patch(
        f"/api/admin/users/{wangwu}", headers=county_admin, json={"display_name": "王五五"}
    )
    page = await phone.pull(cursor)
    assert page["reset_required"] is False
    await client.patch(
        f"/api/admin/users/{wangwu}", headers=county_admin, json={"role": "supervisor"}
    )
    assert (await phone.pull(page["cursor"]))["reset_required"] is True


async def test_moving_a_unit_resyncs_the_phones_above_its_old_and_new_place(
    client: Client, county_admin: dict[str, str]
) -> None:
    chengguan, nanshan = await unit_id("城关镇"), await unit_id("南山镇")
    phones = {
        name: Device(client, await login(client, name, f"{name}-phone"), f"{name}-phone")
        for name in ("zhangsan", "lisi", "wangwu")
    }
    cursors = {name: (await phone.pull_all())[1] for name, phone in phones.items()}
    units = (await client.get("/api/admin/org-units", headers=county_admin)).json()
    village = next(u for u in units if u["parent_id"] == chengguan)
    moved = await client.patch(
        f"/api/admin/org-units/{village['id']}", headers=county_admin, json={"parent_id": nanshan}
    )
    assert moved.status_code == 200
    reset = {name: (await phones[name].pull(cursors[name]))["reset_required"] for name in phones}
    assert reset == {"zhangsan": True, "lisi": False, "wangwu": True}
