"""The demand loop: 交办 → 办理 → 答复 → 回访 → 办结销号 (and 督办), by role and area, versioned,
audited, and pulled to the visitor's phone."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx

from server.audit.tables import AuditLog
from server.db import SHANGHAI, json_load, utcnow
from server.demands.tables import Demand, DemandEvent
from server.demo import demo_id
from server.rosters.tables import Talent
from tests.support.client import login
from tests.support.factories import make_visit

HRSS = demo_id("县人力资源和社会保障局")
EDUCATION = demo_id("县教育局")


def _today() -> dt.date:
    return utcnow().astimezone(SHANGHAI).date()


async def _demand_of(visit_id: uuid.UUID) -> uuid.UUID:
    row = await Demand.select(Demand.id).where(Demand.visit == visit_id).first()
    assert row is not None
    return uuid.UUID(str(row["id"]))


async def _step(
    client: httpx.AsyncClient, who: dict[str, str], demand_id: uuid.UUID, **body: Any
) -> httpx.Response:
    return await client.post(f"/api/demands/{demand_id}/actions", json=body, headers=who)


async def _ok(
    client: httpx.AsyncClient, who: dict[str, str], demand_id: uuid.UUID, **body: Any
) -> dict[str, Any]:
    response = await _step(client, who, demand_id, **body)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_demand_goes_round_the_loop_and_the_visitor_pulls_each_step(
    client: httpx.AsyncClient,
) -> None:
    demand_id = await _demand_of(await make_visit("zhangsan"))
    boss = await login(client, "zhaoli")
    handler = await login(client, "sunqiang")
    visitor = await login(client, "zhangsan", device_id="visitor-phone")

    waiting = (await client.get("/api/demands?view=to_assign", headers=boss)).json()
    assert [d["id"] for d in waiting["items"]] == [str(demand_id)]
    item = waiting["items"][0]
    talent = await Talent.select(Talent.name, Talent.employer).where(
        Talent.id == demo_id("talent/0")
    )
    assert (item["talent_name"], item["talent_employer"]) == (
        talent[0]["name"],
        talent[0]["employer"],
    )
    assert (item["visitor_name"], item["org_unit_name"], item["overdue"]) == (
        "张三",
        "城关镇",
        False,
    )
    # Not assigned yet: the handler unit sees nothing.
    assert (await client.get("/api/demands?view=all", headers=handler)).json()["total"] == 0

    detail = (await client.get(f"/api/demands/{demand_id}", headers=boss)).json()
    assert detail["actions"] == ["assign"]
    assert detail["ask_text"] == "需要人才公寓"
    due = _today() + dt.timedelta(days=9)
    assigned = await _ok(
        client,
        boss,
        demand_id,
        action="assign",
        version=detail["version"],
        handler_unit_id=str(HRSS),
        due_date=due.isoformat(),
        note="请人社局牵头办理",
    )
    assert (assigned["status"], assigned["handler_unit_name"], assigned["due_date"]) == (
        "assigned",
        "县人力资源和社会保障局",
        due.isoformat(),
    )
    assert assigned["version"] == detail["version"] + 1
    assert assigned["actions"] == ["progress", "reply", "escalate"]

    # The handler unit has it now, and may move it along but not close it.
    mine = (await client.get("/api/demands?view=in_hand", headers=handler)).json()
    assert [d["id"] for d in mine["items"]] == [str(demand_id)]
    seen = (await client.get(f"/api/demands/{demand_id}", headers=handler)).json()
    # Only the unit itself acknowledges, sends back or asks for more time (the work-order steps).
    assert seen["actions"] == [
        "acknowledge",
        "progress",
        "reply",
        "send_back",
        "request_extension",
    ]
    progress = await _ok(
        client, handler, demand_id, action="progress", version=seen["version"], note="已联系学校"
    )
    replied = await _ok(
        client,
        handler,
        demand_id,
        action="reply",
        version=progress["version"],
        note="已协调县第一小学接收",
    )
    assert replied["status"] == "replied" and replied["actions"] == []
    # Called back by the visitor who brought it in, closed out by the reviewer.
    revisited = await _ok(
        client,
        visitor,
        demand_id,
        action="revisit",
        version=replied["version"],
        satisfaction="satisfied",
        note="人才表示满意",
    )
    assert (revisited["status"], revisited["satisfaction"]) == ("revisited", "satisfied")
    closed = await _ok(client, boss, demand_id, action="close_out", version=revisited["version"])
    assert closed["status"] == "closed" and closed["closed_at"] and closed["actions"] == []

    kinds = [(e["kind"], e["actor_name"]) for e in closed["events"]]
    assert kinds == [
        ("received", "张三"),
        ("assign", "赵丽"),
        ("progress", "孙强"),
        ("reply", "孙强"),
        ("revisit", "张三"),
        ("close_out", "赵丽"),
    ]
    assert closed["events"][1]["data"] == {"handler_unit": str(HRSS), "due_date": due.isoformat()}
    assert closed["events"][3]["note"] == "已协调县第一小学接收"

    audited = await AuditLog.select(AuditLog.action, AuditLog.details).where(
        AuditLog.entity_id == str(demand_id)
    )
    assert sorted(a["action"] for a in audited) == sorted(
        ["demand.assign", "demand.progress", "demand.reply", "demand.revisit", "demand.close_out"]
    )
    # The visitor's phone pulls the closed demand.
    pulled = await client.post(
        "/api/sync/pull",
        json={"protocol_version": "1.0", "cursor": None, "limit": 1000},
        headers=visitor,
    )
    demands = [
        c["record"]
        for c in pulled.json()["changes"]
        if c["op"] == "upsert" and c["record"]["entity"] == "demand"
    ]
    mine_pulled = [d for d in demands if d["id"] == str(demand_id)]
    assert [(d["status"], d["version"]) for d in mine_pulled] == [("closed", closed["version"])]


async def test_steps_out_of_turn_or_out_of_role_are_refused_and_change_nothing(
    client: httpx.AsyncClient,
) -> None:
    demand_id = await _demand_of(await make_visit("zhangsan"))
    boss = await login(client, "zhaoli")
    handler = await login(client, "sunqiang")
    visitor = await login(client, "zhangsan")
    other_visitor = await login(client, "lisi")

    async def refused(who: dict[str, str], status: int, code: str, **body: Any) -> None:
        response = await _step(client, who, demand_id, **body)
        assert (response.status_code, response.json()["code"]) == (status, code), response.text

    # Out of turn: nothing to reply to before it is assigned.
    await refused(boss, 409, "demand.invalid_step", action="reply", version=1, note="x")
    # Out of role: a visitor does not assign; another visitor does not even see it.
    due = (_today() + dt.timedelta(days=7)).isoformat()
    assign = {"action": "assign", "version": 1, "handler_unit_id": str(HRSS), "due_date": due}
    await refused(visitor, 403, "auth.forbidden", **assign)
    await refused(other_visitor, 404, "not_found", **assign)
    await refused(handler, 404, "not_found", **assign)
    # Bad input: a due date in the past, a unit that is not a handler unit, a missing unit.
    past = (_today() - dt.timedelta(days=1)).isoformat()
    await refused(boss, 400, "demand.due_date_invalid", **{**assign, "due_date": past})
    await refused(
        boss, 400, "demand.handler_unit_invalid", **{**assign, "handler_unit_id": str(uuid.uuid4())}
    )
    await refused(boss, 400, "demand.assignment_incomplete", action="assign", version=1)
    await refused(boss, 400, "request.validation", action="assign", version=0)
    await refused(boss, 400, "request.validation", action="shred", version=1)
    # A stale version: someone moved it meanwhile.
    await refused(boss, 409, "demand.stale_version", **{**assign, "version": 7})

    row = await Demand.select().where(Demand.id == demand_id).first()
    assert row is not None and (row["status"], row["version"], row["handler_unit"]) == (
        "received",
        1,
        None,
    )
    assert await DemandEvent.count().where(DemandEvent.kind != "received") == 0
    assert await AuditLog.count().where(AuditLog.action.like("demand.%")) == 0

    # Assigned elsewhere, the handler of another unit still sees nothing.
    await _ok(client, boss, demand_id, **{**assign, "handler_unit_id": str(EDUCATION)})
    assert (await client.get(f"/api/demands/{demand_id}", headers=handler)).status_code == 404
    # A reply needs its content; a revisit its satisfaction.
    education_reply = {"action": "reply", "version": 2}
    await refused(boss, 400, "demand.note_required", **education_reply)


async def test_overdue_demands_are_listed_and_escalated(client: httpx.AsyncClient) -> None:
    demand_id = await _demand_of(await make_visit("zhangsan"))
    boss = await login(client, "zhaoli")
    due = _today() + dt.timedelta(days=3)
    assigned = await _ok(
        client,
        boss,
        demand_id,
        action="assign",
        version=1,
        handler_unit_id=str(HRSS),
        due_date=due.isoformat(),
    )
    assert (await client.get("/api/demands?view=overdue", headers=boss)).json()["total"] == 0
    # Five days later than due, as if time had passed: the due date moves back instead.
    late = _today() - dt.timedelta(days=5)
    await Demand.update({Demand.due_date: late}).where(Demand.id == demand_id)
    overdue = (await client.get("/api/demands?view=overdue", headers=boss)).json()
    assert [(d["id"], d["overdue"], d["days_overdue"]) for d in overdue["items"]] == [
        (str(demand_id), True, 5)
    ]
    escalated = await _ok(
        client,
        boss,
        demand_id,
        action="escalate",
        version=assigned["version"],
        note="已超期，请三日内答复",
    )
    assert (escalated["status"], escalated["escalations"]) == ("assigned", 1)
    row = await Demand.select(Demand.escalations).where(Demand.id == demand_id).first()
    assert row is not None
    assert [e["note"] for e in json_load(row["escalations"])] == ["已超期，请三日内答复"]
    # Finished demands are never overdue.
    assert all(
        not d["overdue"]
        for d in (await client.get("/api/demands?view=finished", headers=boss)).json()["items"]
    )


async def test_handler_units_are_departments_and_townships_for_reviewers_only(
    client: httpx.AsyncClient,
) -> None:
    boss = await login(client, "zhaoli")
    units = (await client.get("/api/demands/handler-units", headers=boss)).json()
    kinds = {u["kind"] for u in units}
    assert kinds <= {"department", "township", "subdistrict"} and "department" in kinds
    assert "县人力资源和社会保障局" in [u["name"] for u in units]
    visitor = await login(client, "zhangsan")
    assert (await client.get("/api/demands/handler-units", headers=visitor)).json() == []


async def test_demands_of_drafts_are_nobody_s_business_yet(client: httpx.AsyncClient) -> None:
    demand_id = await _demand_of(await make_visit("zhangsan", status="draft"))
    boss = await login(client, "zhaoli")
    assert (await client.get(f"/api/demands/{demand_id}", headers=boss)).status_code == 404
    assert (await client.get("/api/demands?view=all", headers=boss)).json()["total"] == 0


async def test_lists_come_in_pages(client: httpx.AsyncClient) -> None:
    made = {str(await _demand_of(await make_visit("zhangsan", talent))) for talent in (0, 4, 8)}
    boss = await login(client, "zhaoli")
    first = (await client.get("/api/demands?view=to_assign&limit=2", headers=boss)).json()
    rest = (await client.get("/api/demands?view=to_assign&limit=2&offset=2", headers=boss)).json()
    assert first["total"] == rest["total"] == 3
    pages = [d["id"] for d in first["items"]] + [d["id"] for d in rest["items"]]
    assert sorted(pages) == sorted(made)  # every demand once, none twice
    too_many = await client.get("/api/demands?view=to_assign&limit=500", headers=boss)
    assert too_many.status_code == 400


async def test_an_unsatisfied_talent_s_demand_is_assigned_again_as_a_new_round(
    client: httpx.AsyncClient,
) -> None:
    demand_id = await _demand_of(await make_visit("zhangsan"))
    boss = await login(client, "zhaoli")
    due = (_today() + dt.timedelta(days=7)).isoformat()
    assign = {"action": "assign", "handler_unit_id": str(HRSS), "due_date": due}
    step = await _ok(client, boss, demand_id, version=1, **assign)
    step = await _ok(
        client, boss, demand_id, action="reply", version=step["version"], note="已答复"
    )
    step = await _ok(
        client,
        boss,
        demand_id,
        action="revisit",
        version=step["version"],
        satisfaction="unsatisfied",
    )
    # Assigned again as a new round, or sent back to the same unit by the explicit 重办 step.
    assert step["actions"] == ["assign", "close_out", "redo"]
    again = await _ok(
        client,
        boss,
        demand_id,
        version=step["version"],
        **{**assign, "handler_unit_id": str(EDUCATION)},
    )
    assert (again["status"], again["handler_unit_name"], again["satisfaction"]) == (
        "assigned",
        "县教育局",
        None,
    )
    assert [e["kind"] for e in again["events"]][-2:] == ["revisit", "assign"]
    assert again["events"][-2]["data"] == {"satisfaction": "unsatisfied"}
