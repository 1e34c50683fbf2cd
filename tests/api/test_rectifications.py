"""The rectification loop (整改): 待整改 → 整改中 → 已报整改 → 验收销号 or 退回重整, each step by
its role and in turn, versioned, audited, pulled by the inspector's phone, never half-written."""

from __future__ import annotations

import os
import uuid
from typing import Any

import httpx

from server.audit.tables import AuditLog
from server.demo import demo_id
from server.inspections.tables import Rectification
from server.media.tables import MediaLink
from server.rectifications.tables import RectificationEvent
from tests.support.client import login
from tests.support.factories import make_inspection
from tests.sync.helpers import jpeg, sha

HRSS = demo_id("县人力资源和社会保障局")


async def _rectification() -> uuid.UUID:
    inspection = await make_inspection("zhangsan")
    row = (
        await Rectification.select(Rectification.id)
        .where(Rectification.inspection == inspection)
        .first()
    )
    assert row is not None
    # The responsible unit: a real org unit, whose people take the unit's steps.
    await Rectification.update({Rectification.responsible_unit: HRSS}).where(
        Rectification.id == row["id"]
    )
    return uuid.UUID(str(row["id"]))


class Desk:
    def __init__(self, client: httpx.AsyncClient, rid: uuid.UUID) -> None:
        self.client, self.id, self.version = client, rid, 1
        self.who: dict[str, dict[str, str]] = {}

    async def sign_in(self) -> Desk:
        for name in ("zhaoli", "sunqiang", "zhangsan", "lisi"):
            self.who[name] = await login(self.client, name, device_id=f"{name}-phone")
        return self

    async def post(self, who: str, action: str, **body: Any) -> httpx.Response:
        return await self.client.post(
            f"/api/rectifications/{self.id}/actions",
            json={"action": action, "version": body.pop("version", self.version), **body},
            headers=self.who[who],
        )

    async def ok(self, who: str, action: str, **body: Any) -> dict[str, Any]:
        response = await self.post(who, action, **body)
        assert response.status_code == 200, response.text
        out = dict(response.json())
        self.version = out["version"]
        return out

    async def refused(self, who: str, action: str, status: int, code: str, **body: Any) -> str:
        response = await self.post(who, action, **body)
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
        return str(response.json()["message"])


async def test_a_rectification_goes_round_the_loop(client: httpx.AsyncClient) -> None:
    desk = await Desk(client, await _rectification()).sign_in()
    unit, inspector, boss = "sunqiang", "zhangsan", "zhaoli"
    listed = (await client.get("/api/rectifications?view=to_fix", headers=desk.who[unit])).json()
    assert [r["id"] for r in listed["items"]] == [str(desk.id)]
    seen = (await client.get(f"/api/rectifications/{desk.id}", headers=desk.who[unit])).json()
    assert (seen["status"], seen["actions"], seen["responsible_unit_name"]) == (
        "pending",
        ["start"],
        "县人力资源和社会保障局",
    )
    # The inspector checks, never fixes.
    inspector_view = await client.get(f"/api/rectifications/{desk.id}", headers=desk.who[inspector])
    assert inspector_view.json()["actions"] == []
    await desk.refused(inspector, "start", 403, "auth.forbidden")
    started = await desk.ok(unit, "start")
    assert started["status"] == "in_progress"

    photo = jpeg(os.urandom(5_000))
    put = await client.put(
        f"/api/media/{sha(photo)}",
        content=photo,
        headers=desk.who[unit] | {"Content-Type": "image/jpeg"},
    )
    assert put.json()["complete"] is True
    await desk.refused(unit, "report", 400, "rectification.note_required")
    reported = await desk.ok(unit, "report", note="已增设无障碍通道", photos=[sha(photo)])
    assert reported["status"] == "reported"
    assert reported["events"][-1]["photos"] == [sha(photo)]
    assert await MediaLink.count().where(MediaLink.entity == "rectification_event") == 1

    # 复查: sent back with a reason, reported again, then accepted by the inspector.
    await desk.refused(unit, "accept", 403, "auth.forbidden")
    await desk.refused(boss, "send_back", 400, "rectification.note_required")
    back = await desk.ok(boss, "send_back", note="坡度不符合要求")
    assert (back["status"], back["reopened"]) == ("returned", 1)
    await desk.ok(unit, "report", note="已重新施工")
    accepted = await desk.ok(inspector, "accept", note="复查合格")
    assert (accepted["status"], accepted["actions"]) == ("accepted", [])
    assert accepted["accepted_at"]
    assert [e["kind"] for e in accepted["events"]] == [
        "start",
        "report",
        "send_back",
        "report",
        "accept",
    ]
    done = await AuditLog.count().where(AuditLog.action.like("rectification.%"))
    assert done == 5
    # The inspector's phone pulls the new status with the inspection.
    pulled = await client.post(
        "/api/sync/pull",
        json={"protocol_version": "1.0", "cursor": None, "limit": 1000},
        headers=desk.who[inspector],
    )
    statuses = [
        c["record"]["status"]
        for c in pulled.json()["changes"]
        if c["op"] == "upsert" and c["record"]["entity"] == "rectification"
    ]
    assert statuses == ["accepted"]


async def test_steps_out_of_turn_or_scope_are_refused_and_write_nothing(
    client: httpx.AsyncClient,
) -> None:
    desk = await Desk(client, await _rectification()).sign_in()
    message = await desk.refused("zhaoli", "accept", 409, "rectification.invalid_step")
    assert message == "这条整改当前为“待整改”，不能进行“验收销号”"
    await desk.refused("lisi", "start", 404, "not_found")  # another township's field staff
    await desk.refused("sunqiang", "start", 409, "rectification.stale_version", version=2)
    await desk.refused(
        "sunqiang", "start", 400, "rectification.photos_not_expected", photos=["a" * 64]
    )
    await desk.refused("sunqiang", "start", 400, "request.validation", version=0)
    row = await Rectification.select().where(Rectification.id == desk.id).first()
    assert row is not None and (row["status"], row["version"], row["reopened"]) == ("pending", 1, 0)
    assert await RectificationEvent.count() == 0
    assert await AuditLog.count().where(AuditLog.action.like("rectification.%")) == 0
    overdue = await client.get("/api/rectifications?view=overdue", headers=desk.who["zhaoli"])
    assert overdue.status_code == 200
