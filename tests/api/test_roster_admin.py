"""Roster administration: admins create, edit and deactivate talents and service centres in
their subtree, through the versioned write path (phones pull the changes), audited."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx

from server.accounts import repository as accounts
from server.audit import repository as audit
from server.db import json_load, utcnow
from server.demo import DEMO_PASSWORD, demo_id
from server.media.storage import LocalDiskStorage
from server.retention.purge import purge
from server.rosters.tables import ServiceCenter, Talent
from server.settings import get_settings
from server.sync.tables import ScopeMove
from tests.support.client import login
from tests.sync.helpers import Device, centre_of, talent_of

Client = httpx.AsyncClient
CHENGGUAN = str(demo_id("城关镇"))
DONGHU = str(demo_id("东湖街道"))


def talent_body(**fields: Any) -> dict[str, Any]:
    body = {
        "name": "欧阳明",
        "employer": "清源县溪口量子研究所",
        "org_unit_id": CHENGGUAN,
        "category": "professional_tech",
        "phone": "13912345678",
        "roster_year": 2026,
    }
    return {**body, **fields}


def centre_body(**fields: Any) -> dict[str, Any]:
    body = {"name": "新村党群服务中心", "org_unit_id": CHENGGUAN, "address": "新村路 1 号"}
    return {**body, "latitude": 28.1, "longitude": 113.2, **fields}


async def township_admin(client: Client) -> dict[str, str]:
    """An admin whose subtree is 东湖街道 alone."""
    await accounts.create_user(
        "donghu_admin", DEMO_PASSWORD, "东湖管理员", "admin", demo_id("东湖街道")
    )
    return await login(client, "donghu_admin")


async def test_admin_creates_edits_and_deactivates_a_talent(client: Client) -> None:
    headers = await login(client, "admin")
    created = await client.post("/api/admin/talents", json=talent_body(), headers=headers)
    assert created.status_code == 201, created.text
    talent_id = created.json()["id"]
    row = await Talent.select().where(Talent.id == uuid.UUID(talent_id)).first()
    assert row["name_initials"] == "oym" and row["version"] == 1
    assert "13912345678" not in (row["phone_encrypted"] or "")  # encrypted at rest
    found = await client.get("/api/talents", params={"q": "量子研究"}, headers=headers)
    assert [t["id"] for t in found.json()["items"]] == [talent_id]
    assert found.json()["items"][0]["phone_masked"] == "139****5678"
    by_initials = await client.get("/api/talents", params={"q": "oym"}, headers=headers)
    assert talent_id in [t["id"] for t in by_initials.json()["items"]]

    edited = await client.put(
        f"/api/admin/talents/{talent_id}",
        json=talent_body(name="欧阳亮", version=1),
        headers=headers,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["version"] == 2
    detail = (await client.get(f"/api/admin/talents/{talent_id}", headers=headers)).json()
    assert detail["name"] == "欧阳亮" and detail["phone_masked"] == "139****5678"
    [entry] = await audit.entries("talent.update")
    assert json_load(entry["details"])["before"] == {"name": "欧阳明", "name_initials": "oym"}
    assert json_load(entry["details"])["after"]["name"] == "欧阳亮"

    stale = await client.post(
        f"/api/admin/talents/{talent_id}/deactivate", json={"version": 1}, headers=headers
    )
    assert stale.status_code == 409 and stale.json()["code"] == "roster.stale_version"
    gone = await client.post(
        f"/api/admin/talents/{talent_id}/deactivate", json={"version": 2}, headers=headers
    )
    assert gone.json() == {"id": talent_id, "version": 3, "active": False}
    again = await client.put(
        f"/api/admin/talents/{talent_id}", json=talent_body(version=3), headers=headers
    )
    assert again.status_code == 409 and again.json()["code"] == "roster.inactive"
    assert await audit.entries("talent.deactivate")


async def test_bad_input_names_each_field_in_chinese_and_writes_nothing(client: Client) -> None:
    headers = await login(client, "admin")
    before = await Talent.count()
    response = await client.post(
        "/api/admin/talents",
        json=talent_body(name=" ", category="x", phone="abc", roster_year=1800),
        headers=headers,
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "roster.invalid"
    assert set(body["details"]["fields"]) == {"name", "category", "phone", "roster_year"}
    assert body["details"]["fields"]["name"] == "请填写名称"
    centre = await client.post(
        "/api/admin/service-centers", json=centre_body(latitude=91), headers=headers
    )
    assert centre.json()["details"]["fields"] == {"latitude": "纬度应在 -90 到 90 之间"}
    half = await client.post(
        "/api/admin/service-centers", json=centre_body(longitude=None), headers=headers
    )
    assert set(half.json()["details"]["fields"]) == {"longitude"}
    wrong_type = await client.post(
        "/api/admin/talents", json=talent_body(roster_year="二〇二六"), headers=headers
    )
    assert wrong_type.status_code == 400 and wrong_type.json()["code"] == "request.validation"
    assert await Talent.count() == before


async def test_only_admins_within_their_subtree(client: Client) -> None:
    talent = talent_of("zhangsan")  # in 城关镇
    centre = centre_of("zhangsan")
    for username in ("zhangsan", "zhaoli", "sunqiang"):
        headers = await login(client, username)
        calls = [
            client.post("/api/admin/talents", json=talent_body(), headers=headers),
            client.put(f"/api/admin/talents/{talent}", json=talent_body(), headers=headers),
            client.get(f"/api/admin/talents/{talent}", headers=headers),
            client.post(
                f"/api/admin/talents/{talent}/deactivate", json={"version": 1}, headers=headers
            ),
            client.post("/api/admin/service-centers", json=centre_body(), headers=headers),
            client.put(f"/api/admin/service-centers/{centre}", json=centre_body(), headers=headers),
            client.get(f"/api/admin/service-centers/{centre}", headers=headers),
            client.post(
                f"/api/admin/service-centers/{centre}/deactivate",
                json={"version": 1},
                headers=headers,
            ),
        ]
        for call in calls:
            response = await call
            assert response.status_code == 403, (username, response.text)
    headers = await township_admin(client)
    outside = await client.post("/api/admin/talents", json=talent_body(), headers=headers)
    assert outside.status_code == 400
    assert set(outside.json()["details"]["fields"]) == {"org_unit_id"}
    for response in (
        await client.get(f"/api/admin/talents/{talent}", headers=headers),
        await client.put(
            f"/api/admin/talents/{talent}",
            json=talent_body(org_unit_id=DONGHU, version=1),
            headers=headers,
        ),
        await client.post(
            f"/api/admin/talents/{talent}/deactivate", json={"version": 1}, headers=headers
        ),
        await client.get(f"/api/admin/service-centers/{centre}", headers=headers),
        await client.put(
            f"/api/admin/service-centers/{centre}",
            json=centre_body(org_unit_id=DONGHU, version=1),
            headers=headers,
        ),
        await client.post(
            f"/api/admin/service-centers/{centre}/deactivate", json={"version": 1}, headers=headers
        ),
    ):
        assert response.status_code == 404, response.text
    inside = await client.post(
        "/api/admin/service-centers", json=centre_body(org_unit_id=DONGHU), headers=headers
    )
    assert inside.status_code == 201
    assert await Talent.count().where(Talent.id == uuid.UUID(talent)) == 1


async def test_a_moved_talent_leaves_the_old_townships_phones(client: Client) -> None:
    old = Device(client, await login(client, "zhangsan", "phone-old"), "phone-old")  # 城关镇
    new = Device(client, await login(client, "lisi", "phone-new"), "phone-new")  # 东湖街道
    county = Device(client, await login(client, "zhaoli", "phone-county"), "phone-county")
    _, old_cursor = await old.pull_all()
    _, new_cursor = await new.pull_all()
    _, county_cursor = await county.pull_all()
    talent = talent_of("zhangsan")
    headers = await login(client, "admin")
    detail = (await client.get(f"/api/admin/talents/{talent}", headers=headers)).json()
    moved = {**detail, "org_unit_id": DONGHU, "phone": None}
    for key in ("id", "phone_masked", "active"):
        moved.pop(key)
    response = await client.put(f"/api/admin/talents/{talent}", json=moved, headers=headers)
    assert response.status_code == 200, response.text

    changes, old_cursor = await old.pull_all(old_cursor)
    assert [(c["op"], c["id"]) for c in changes if c.get("entity") == "talent"] == [
        ("delete", talent)
    ]
    changes, _ = await new.pull_all(new_cursor)
    assert [c["record"]["org_unit_id"] for c in changes if c["op"] == "upsert"] == [DONGHU]
    changes, _ = await county.pull_all(county_cursor)  # still in the county: an upsert
    assert [c["op"] for c in changes] == ["upsert"]
    # Delivered once: the next pull of the old township has nothing.
    changes, _ = await old.pull_all(old_cursor)
    assert changes == []
    # A phone syncing from scratch gets no tombstone for a row it never had.
    fresh, _ = await Device(client, await login(client, "zhangsan", "p2"), "p2").pull_all()
    assert talent not in {c.get("id") for c in fresh}


async def test_a_moved_centre_leaves_the_old_townships_phones(client: Client) -> None:
    phone = Device(client, await login(client, "zhangsan", "phone-c"), "phone-c")
    _, cursor = await phone.pull_all()
    centre = centre_of("zhangsan")
    headers = await login(client, "admin")
    row = await ServiceCenter.select().where(ServiceCenter.id == uuid.UUID(centre)).first()
    response = await client.put(
        f"/api/admin/service-centers/{centre}",
        json=centre_body(name=row["name"], org_unit_id=DONGHU, version=1),
        headers=headers,
    )
    assert response.status_code == 200, response.text
    changes, _ = await phone.pull_all(cursor)
    assert [(c["op"], c["entity"], c["id"]) for c in changes] == [
        ("delete", "service_center", centre)
    ]
    [entry] = await audit.entries("service_center.update")
    assert json_load(entry["details"])["before"]["org_unit"] == CHENGGUAN


async def test_moves_are_purged_after_the_horizon(client: Client) -> None:
    headers = await login(client, "admin")
    centre = centre_of("zhangsan")
    row = await ServiceCenter.select().where(ServiceCenter.id == uuid.UUID(centre)).first()
    body = centre_body(name=row["name"], org_unit_id=DONGHU, version=1)
    response = await client.put(f"/api/admin/service-centers/{centre}", json=body, headers=headers)
    assert response.status_code == 200
    storage = LocalDiskStorage(get_settings().media_dir)
    assert (await purge(storage)).rows.get("scope_move") is None
    later = utcnow() + dt.timedelta(days=get_settings().sync_tombstone_days + 1)
    assert (await purge(storage, now=later)).rows["scope_move"] == 1
    assert await ScopeMove.count() == 0
