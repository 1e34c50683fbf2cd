"""Org-unit administration: the tree, create, rename, move, deactivate; admins only, within
their subtree; bad input is a coded error with nothing written."""

from __future__ import annotations

import httpx

from server.audit.tables import AuditLog
from server.db import json_load
from tests.api.admin.conftest import unit_id
from tests.support.client import login

Client = httpx.AsyncClient
URL = "/api/admin/org-units"


async def test_tree_of_the_county_admin_and_of_a_township_admin(
    client: Client, county_admin: dict[str, str], township_admin: dict[str, str]
) -> None:
    county = (await client.get(URL, headers=county_admin)).json()
    assert county[0]["kind"] == "county" and county[0]["parent_id"] is None
    assert len(county) > 30
    township = (await client.get(URL, headers=township_admin)).json()
    assert township[0]["name"] == "城关镇"
    assert {u["id"] for u in township} < {u["id"] for u in county}
    assert all(u["path"].startswith(township[0]["path"]) for u in township)


async def test_only_admins_administer_units(client: Client) -> None:
    for username in ("zhaoli", "zhangsan", "sunqiang"):
        headers = await login(client, username)
        assert (await client.get(URL, headers=headers)).status_code == 403
        response = await client.post(
            URL,
            headers=headers,
            json={"name": "新镇", "kind": "township", "parent_id": await unit_id("清源县")},
        )
        assert response.status_code == 403 and response.json()["code"] == "auth.forbidden"
    assert (await client.get(URL)).status_code == 401


async def test_create_rename_and_audit(client: Client, county_admin: dict[str, str]) -> None:
    county = await unit_id("清源县")
    created = await client.post(
        URL,
        headers=county_admin,
        json={"name": " 青山镇 ", "kind": "township", "parent_id": county},
    )
    assert created.status_code == 201, created.text
    unit = created.json()
    assert unit["name"] == "青山镇" and unit["parent_id"] == county and unit["active"]
    renamed = await client.patch(
        f"{URL}/{unit['id']}", headers=county_admin, json={"name": "青山乡"}
    )
    assert renamed.json()["name"] == "青山乡"
    entries = (
        await AuditLog.select()
        .where(AuditLog.entity_id == unit["id"])
        .order_by(AuditLog.created_at)
    )
    assert [e["action"] for e in entries] == ["org_unit.create", "org_unit.update"]
    details = json_load(entries[1]["details"])
    assert details["before"]["name"] == "青山镇" and details["after"]["name"] == "青山乡"


async def test_move_rewrites_the_subtree_and_refuses_a_cycle(
    client: Client, county_admin: dict[str, str]
) -> None:
    chengguan, nanshan = await unit_id("城关镇"), await unit_id("南山镇")
    tree = {u["id"]: u for u in (await client.get(URL, headers=county_admin)).json()}
    village = next(u for u in tree.values() if u["parent_id"] == chengguan)
    moved = await client.patch(
        f"{URL}/{village['id']}", headers=county_admin, json={"parent_id": nanshan}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["path"] == f"{tree[nanshan]['path']}{village['id']}/"
    cycle = await client.patch(
        f"{URL}/{nanshan}", headers=county_admin, json={"parent_id": village["id"]}
    )
    assert cycle.status_code == 409
    assert (
        cycle.json()["code"] == "org_unit.cycle" and cycle.json()["details"]["field"] == "parent_id"
    )
    after = {u["id"]: u for u in (await client.get(URL, headers=county_admin)).json()}
    assert after[nanshan]["parent_id"] == tree[nanshan]["parent_id"]


async def test_deactivate_only_an_empty_unit(client: Client, county_admin: dict[str, str]) -> None:
    chengguan = await unit_id("城关镇")
    busy = await client.patch(f"{URL}/{chengguan}", headers=county_admin, json={"active": False})
    assert busy.status_code == 409 and busy.json()["code"] == "org_unit.in_use"
    empty = (
        await client.post(
            URL,
            headers=county_admin,
            json={"name": "临时村", "kind": "village", "parent_id": chengguan},
        )
    ).json()
    done = await client.patch(f"{URL}/{empty['id']}", headers=county_admin, json={"active": False})
    assert done.status_code == 200 and done.json()["active"] is False
    under = await client.post(
        URL,
        headers=county_admin,
        json={"name": "子单位", "kind": "village", "parent_id": empty["id"]},
    )
    assert under.status_code == 409 and under.json()["code"] == "org_unit.inactive"


async def test_a_township_admin_cannot_touch_another_township(
    client: Client, township_admin: dict[str, str]
) -> None:
    chengguan, nanshan = await unit_id("城关镇"), await unit_id("南山镇")
    outside = await client.post(
        URL, headers=township_admin, json={"name": "外村", "kind": "village", "parent_id": nanshan}
    )
    assert outside.status_code == 403 and outside.json()["code"] == "auth.out_of_scope"
    rename = await client.patch(f"{URL}/{nanshan}", headers=township_admin, json={"name": "x"})
    assert rename.status_code == 403
    inside = await client.post(
        URL,
        headers=township_admin,
        json={"name": "新村", "kind": "village", "parent_id": chengguan},
    )
    assert inside.status_code == 201
    away = await client.patch(
        f"{URL}/{inside.json()['id']}", headers=township_admin, json={"parent_id": nanshan}
    )
    assert away.status_code == 403
    own = await client.patch(f"{URL}/{chengguan}", headers=township_admin, json={"active": False})
    assert own.status_code == 403


async def test_bad_input_is_a_coded_error_and_writes_nothing(
    client: Client, county_admin: dict[str, str]
) -> None:
    county = await unit_id("清源县")
    before = await AuditLog.count()
    for body in (
        {"name": "", "kind": "township", "parent_id": county},
        {"name": "x", "kind": "planet", "parent_id": county},
        {"name": "x", "kind": "township", "parent_id": "not-a-uuid"},
        {"name": "x", "kind": "township", "parent_id": county, "extra": 1},
    ):
        response = await client.post(URL, headers=county_admin, json=body)
        assert response.status_code == 400 and response.json()["code"] == "request.validation"
    blank = await client.post(
        URL, headers=county_admin, json={"name": "  ", "kind": "township", "parent_id": county}
    )
    assert blank.status_code == 400 and blank.json()["details"]["field"] == "name"
    taken = await client.post(
        URL, headers=county_admin, json={"name": "城关镇", "kind": "township", "parent_id": county}
    )
    assert taken.status_code == 409 and taken.json()["code"] == "org_unit.name_taken"
    missing = await client.patch(
        f"{URL}/00000000-0000-4000-8000-000000000000", headers=county_admin, json={"name": "x"}
    )
    assert missing.status_code == 404 and missing.json()["code"] == "org_unit.not_found"
    assert await AuditLog.count() == before
