"""Pull: what each user receives, paging, tombstones, and when a full resync is needed."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx

from server.campaigns.tables import Campaign
from server.db import transaction
from server.demo import demo_id
from server.rosters.tables import Talent
from server.sync.changes import next_change_seq
from server.sync.tables import SyncChange
from tests.support.client import login
from tests.sync.helpers import Device, centre_of, demand, item, talent_of, visit

Client = httpx.AsyncClient


async def device(client: Client, username: str, device_id: str = "phone-1") -> Device:
    return Device(client, await login(client, username, device_id), device_id)


def upserts(changes: list[dict[str, Any]], entity: str) -> dict[str, dict[str, Any]]:
    return {
        c["record"]["id"]: c["record"]
        for c in changes
        if c["op"] == "upsert" and c["record"]["entity"] == entity
    }


def tombstones(changes: list[dict[str, Any]], entity: str) -> set[str]:
    return {c["id"] for c in changes if c["op"] == "delete" and c["entity"] == entity}


async def test_full_sync_gives_field_staff_their_area_and_own_records(client: Client) -> None:
    zhang, li = await device(client, "zhangsan"), await device(client, "lisi")
    mine = visit(talent_of("zhangsan"), demands=[demand()])
    theirs = visit(talent_of("lisi"))
    await zhang.push(zhang.put(mine))
    await li.push(li.put(theirs))
    changes, _ = await zhang.pull_all()
    talents = upserts(changes, "talent")
    assert len(talents) == 50  # the demo's 200 talents are spread over four townships
    assert talent_of("zhangsan") in talents and talent_of("lisi") not in talents
    assert all("*" in t["phone_masked"] for t in talents.values())
    assert str(demo_id("centre/城关镇")) in upserts(changes, "service_center")
    assert set(upserts(changes, "campaign")) == {
        str(demo_id("campaign/sssw")),
        str(demo_id("campaign/slsc")),
    }
    template = upserts(changes, "checklist_template")[str(demo_id("template/centre"))]
    assert [i["id"] for i in template["items"]][:2] == [item(0), item(1)]
    assert set(upserts(changes, "visit")) == {mine["id"]}
    assert set(upserts(changes, "demand")) == {mine["demands"][0]["id"]}
    # The supervisor's scope is the county: everyone's records.
    boss = await device(client, "zhaoli")
    changes, _ = await boss.pull_all()
    assert set(upserts(changes, "visit")) == {mine["id"], theirs["id"]}
    assert len(upserts(changes, "talent")) == 200
    # A handler records nothing and is given no records.
    handler = await device(client, "sunqiang")
    changes, _ = await handler.pull_all()
    assert upserts(changes, "visit") == {}


async def test_paging_delivers_each_change_once(client: Client) -> None:
    phone = await device(client, "zhangsan")
    bodies = [visit(talent_of("zhangsan", n), demands=[demand(), demand()]) for n in range(7)]
    # One batch: all of these rows share one change_seq, so pages must split inside it.
    await phone.push(*(phone.put(b) for b in bodies))
    everything, final = await phone.pull_all(limit=1000)
    paged, paged_final = await phone.pull_all(limit=4)
    key = [(c.get("record", c).get("entity"), c.get("record", c)["id"]) for c in paged]
    assert len(key) == len(set(key)) == len(everything)
    assert sorted(key) == sorted(
        (c.get("record", c).get("entity"), c.get("record", c)["id"]) for c in everything
    )
    assert paged_final == final
    # Nothing new: an empty page with the same cursor.
    page = await phone.pull(final)
    assert page["changes"] == [] and page["has_more"] is False and page["cursor"] == final


async def test_changes_after_the_cursor_and_tombstones(client: Client) -> None:
    phone = await device(client, "zhangsan")
    body = visit(talent_of("zhangsan"), demands=[demand()])
    await phone.push(phone.put(body))
    _, cursor = await phone.pull_all()
    body["notes"] = "修改"
    await phone.push(phone.put(body, base_version=1))
    changes, cursor = await phone.pull_all(cursor)
    assert [(c["record"]["entity"], c["record"]["version"]) for c in changes] == [("visit", 2)]
    assert changes[0]["record"]["notes"] == "修改"
    await phone.push(phone.mutation("visit.delete", id=body["id"], base_version=2))
    changes, _ = await phone.pull_all(cursor)
    assert tombstones(changes, "visit") == {body["id"]}
    assert tombstones(changes, "demand") == {body["demands"][0]["id"]}


async def test_roster_and_campaign_changes_reach_devices(client: Client) -> None:
    phone = await device(client, "zhangsan")
    _, cursor = await phone.pull_all()
    talent = uuid.UUID(talent_of("zhangsan"))
    async with transaction():
        seq = await next_change_seq(None, "server:test")
        await Talent.update(
            {Talent.deleted_at: dt.datetime.now(dt.UTC), Talent.change_seq: seq}
        ).where(Talent.id == talent)
        await Campaign.update({Campaign.active: False, Campaign.change_seq: seq}).where(
            Campaign.id == demo_id("campaign/slsc")
        )
    changes, _ = await phone.pull_all(cursor)
    assert tombstones(changes, "talent") == {str(talent)}
    assert tombstones(changes, "campaign") == {str(demo_id("campaign/slsc"))}


async def test_old_or_foreign_cursors_need_a_full_resync(client: Client) -> None:
    phone = await device(client, "zhangsan")
    await phone.push(phone.put(visit(talent_of("zhangsan"))))
    _, cursor = await phone.pull_all()
    assert not (await phone.pull(cursor))["reset_required"]
    for bad in ("not-a-cursor", "999999", "1.99.x"):
        page = await phone.pull(bad)
        assert page["reset_required"] is True and page["cursor"] is None
    # Older than the tombstone horizon (90 days by default).
    await SyncChange.update(
        {SyncChange.created_at: dt.datetime.now(dt.UTC) - dt.timedelta(days=91)}
    ).where(SyncChange.seq == int(cursor))
    assert (await phone.pull(cursor))["reset_required"] is True


async def test_pull_reports_skew_and_version_errors(client: Client) -> None:
    phone = await device(client, "zhangsan")
    behind = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()
    page = await phone.pull(device_time=behind, limit=1)
    assert page["clock_skew_warning"] is True and page["clock_skew_seconds"] < -3500
    response = await client.post(
        "/api/sync/pull", json={"protocol_version": "3.1"}, headers=phone.headers
    )
    assert response.status_code == 400
    assert response.json()["code"] == "sync.unsupported_version"
    response = await client.post(
        "/api/sync/pull", json={"protocol_version": "1.0", "limit": 0}, headers=phone.headers
    )
    assert response.status_code == 400
    assert response.json()["code"] == "request.validation"


async def test_inspections_travel_with_results_and_rectifications(client: Client) -> None:
    phone = await device(client, "zhangsan")
    inspection_id = str(uuid.uuid4())
    results = [
        {"id": str(uuid.uuid4()), "item_id": item(0), "result": "met", "score": 10},
        {"id": str(uuid.uuid4()), "item_id": item(1), "result": "partly_met", "score": 3},
    ]
    rect = {
        "id": str(uuid.uuid4()),
        "item_id": item(1),
        "issue": "无障碍通道缺失",
        "deadline": "2026-12-31",
    }
    body = {
        "id": inspection_id,
        "service_center_id": centre_of("zhangsan"),
        "template_id": str(demo_id("template/centre")),
        "inspected_on": "2026-11-20",
        "item_results": results,
        "rectifications": [rect],
    }
    response = await phone.push(phone.mutation("inspection.put", inspection=body))
    assert response["results"][0]["status"] == "applied", response
    changes, _ = await phone.pull_all()
    assert upserts(changes, "inspection")[inspection_id]["total_score"] == 13
    assert set(upserts(changes, "inspection_item_result")) == {r["id"] for r in results}
    assert upserts(changes, "rectification")[rect["id"]]["status"] == "pending"
    # Checks: a score above the item's maximum, an item of no template, a centre elsewhere.
    too_high = {
        **body,
        "id": str(uuid.uuid4()),
        "rectifications": [],
        "item_results": [{**results[0], "id": str(uuid.uuid4()), "score": 11}],
    }
    foreign = {
        **body,
        "id": str(uuid.uuid4()),
        "rectifications": [],
        "item_results": [{**results[0], "id": str(uuid.uuid4()), "item_id": str(uuid.uuid4())}],
    }
    elsewhere = {
        **body,
        "id": str(uuid.uuid4()),
        "item_results": [],
        "rectifications": [],
        "service_center_id": centre_of("wangwu"),
    }
    twice = {
        **body,
        "id": str(uuid.uuid4()),
        "rectifications": [],
        "item_results": [
            {**results[0], "id": str(uuid.uuid4())},
            {**results[0], "id": str(uuid.uuid4())},
        ],
    }
    response = await phone.push(
        *(
            phone.mutation("inspection.put", inspection=b)
            for b in (too_high, foreign, elsewhere, twice)
        )
    )
    assert [r["code"] for r in response["results"]] == [
        "sync.validation",
        "sync.validation",
        "sync.forbidden",
        "sync.validation",
    ]
