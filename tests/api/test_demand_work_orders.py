"""The demand loop at work-order grade: 签收, 退单, 延期申请, 重办, and automatic 催办/督办,
each by role and in turn, refused in Chinese when out of turn, never half-written."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import httpx
import pytest

from server.audit.tables import AuditLog
from server.calendar.service import add_working_days
from server.db import county_today
from server.demands.reminders import send_reminders
from server.demands.tables import Demand, DemandEvent, DemandReminder
from server.demo import demo_id
from tests.support.client import login
from tests.support.factories import make_visit

HRSS = demo_id("县人力资源和社会保障局")
EDUCATION = demo_id("县教育局")


def _today() -> dt.date:
    return county_today()


async def _demand() -> uuid.UUID:
    visit = await make_visit("zhangsan")
    row = await Demand.select(Demand.id).where(Demand.visit == visit).first()
    assert row is not None
    return uuid.UUID(str(row["id"]))


class Desk:
    """Steps on one demand by the reviewer, the handler unit and the visitor."""

    def __init__(self, client: httpx.AsyncClient, demand_id: uuid.UUID) -> None:
        self.client, self.id = client, demand_id
        self.who: dict[str, dict[str, str]] = {}
        self.version = 1

    async def sign_in(self) -> Desk:
        for name in ("zhaoli", "sunqiang", "zhangsan"):
            self.who[name] = await login(self.client, name, device_id=f"{name}-phone")
        return self

    async def post(self, who: str, action: str, **body: Any) -> httpx.Response:
        return await self.client.post(
            f"/api/demands/{self.id}/actions",
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

    async def assign(self, unit: uuid.UUID = HRSS, days: int = 10) -> dict[str, Any]:
        due = (_today() + dt.timedelta(days=days)).isoformat()
        return await self.ok("zhaoli", "assign", handler_unit_id=str(unit), due_date=due)


async def test_acknowledge_is_the_unit_s_own_and_is_timed(client: httpx.AsyncClient) -> None:
    desk = await Desk(client, await _demand()).sign_in()
    await desk.assign()
    # The reviewer cannot acknowledge for the unit; the visitor even less.
    assert (
        "acknowledge"
        not in (await client.get(f"/api/demands/{desk.id}", headers=desk.who["zhaoli"])).json()[
            "actions"
        ]
    )
    await desk.refused("zhaoli", "acknowledge", 403, "auth.forbidden")
    await desk.refused("zhangsan", "acknowledge", 403, "auth.forbidden")
    done = await desk.ok("sunqiang", "acknowledge")
    assert done["status"] == "acknowledged" and done["acknowledged_at"]
    # Once only, with a Chinese message naming the status.
    message = await desk.refused("sunqiang", "acknowledge", 409, "demand.invalid_step")
    assert "已签收" in message and "签收" in message
    # Work goes on from there.
    assert done["actions"] == ["progress", "reply", "send_back", "request_extension"]
    replied = await desk.ok("sunqiang", "reply", note="已办理")
    assert replied["status"] == "replied"
    # The visitor's phone pulls the new status.
    pulled = await client.post(
        "/api/sync/pull",
        json={"protocol_version": "1.0", "cursor": None, "limit": 1000},
        headers=desk.who["zhangsan"],
    )
    demands = [
        c["record"]
        for c in pulled.json()["changes"]
        if c["op"] == "upsert" and c["record"]["entity"] == "demand"
    ]
    assert [d["status"] for d in demands] == ["replied"]


async def test_send_back_returns_it_to_the_reviewer_who_assigns_again(
    client: httpx.AsyncClient,
) -> None:
    desk = await Desk(client, await _demand()).sign_in()
    await desk.assign()
    await desk.refused("sunqiang", "send_back", 400, "demand.note_required")
    await desk.refused("zhaoli", "send_back", 403, "auth.forbidden", note="x")
    back = await desk.ok("sunqiang", "send_back", note="职能不符，应由教育局办理")
    assert back["status"] == "sent_back" and back["actions"] == []
    listed = (await client.get("/api/demands?view=sent_back", headers=desk.who["zhaoli"])).json()
    assert [d["id"] for d in listed["items"]] == [str(desk.id)]
    boss = (await client.get(f"/api/demands/{desk.id}", headers=desk.who["zhaoli"])).json()
    assert boss["actions"] == ["assign"]
    await desk.refused("sunqiang", "progress", 409, "demand.invalid_step")
    again = await desk.assign(EDUCATION)
    assert (again["status"], again["handler_unit_name"], again["acknowledged_at"]) == (
        "assigned",
        "县教育局",
        None,
    )
    assert [e["kind"] for e in again["events"]][-3:] == ["assign", "send_back", "assign"]
    assert again["events"][-2]["note"] == "职能不符，应由教育局办理"


async def test_an_extension_is_asked_before_the_due_date_and_decided_with_both_dates_kept(
    client: httpx.AsyncClient,
) -> None:
    desk = await Desk(client, await _demand()).sign_in()
    first_due = _today() + dt.timedelta(days=10)
    await desk.assign()
    later = (first_due + dt.timedelta(days=14)).isoformat()
    # A reason and a later date are required; the reviewer does not ask, the unit does.
    await desk.refused("sunqiang", "request_extension", 400, "demand.note_required", due_date=later)
    await desk.refused(
        "sunqiang",
        "request_extension",
        400,
        "demand.extension_date_invalid",
        note="需协调资金",
        due_date=first_due.isoformat(),
    )
    await desk.refused(
        "zhaoli", "request_extension", 403, "auth.forbidden", note="x", due_date=later
    )
    asked = await desk.ok("sunqiang", "request_extension", note="需协调资金", due_date=later)
    assert (asked["status"], asked["due_date"], asked["extension_due_date"]) == (
        "assigned",
        first_due.isoformat(),
        later,
    )
    assert asked["extension_reason"] == "需协调资金"
    # One request at a time; the unit cannot decide its own.
    message = await desk.refused(
        "sunqiang", "request_extension", 409, "demand.invalid_step", note="x", due_date=later
    )
    assert "延期申请" in message
    await desk.refused("sunqiang", "approve_extension", 403, "auth.forbidden")
    pending = (
        await client.get("/api/demands?view=extension_requested", headers=desk.who["zhaoli"])
    ).json()
    assert [d["id"] for d in pending["items"]] == [str(desk.id)]
    approved = await desk.ok("zhaoli", "approve_extension", note="同意")
    assert (approved["due_date"], approved["extension_due_date"]) == (later, None)
    event = approved["events"][-1]
    assert (event["kind"], event["data"]) == (
        "approve_extension",
        {"due_date": later, "previous_due": first_due.isoformat(), "requested_due_date": later},
    )
    # Nothing pending now: no decision to take.
    await desk.refused("zhaoli", "refuse_extension", 409, "demand.invalid_step", note="x")

    # A second request, refused with a reason: the due date stays.
    further = (first_due + dt.timedelta(days=30)).isoformat()
    await desk.ok("sunqiang", "request_extension", note="仍需时间", due_date=further)
    await desk.refused("zhaoli", "refuse_extension", 400, "demand.note_required")
    refused = await desk.ok("zhaoli", "refuse_extension", note="请按期办结")
    assert (refused["due_date"], refused["extension_due_date"]) == (later, None)
    assert refused["events"][-1]["data"] == {"requested_due_date": further}
    audited = await AuditLog.select(AuditLog.action).where(AuditLog.action.like("demand.%"))
    assert [a["action"] for a in audited].count("demand.request_extension") == 2

    # Past the due date it is too late to ask.
    await Demand.update({Demand.due_date: _today() - dt.timedelta(days=1)}).where(
        Demand.id == desk.id
    )
    await desk.refused(
        "sunqiang",
        "request_extension",
        409,
        "demand.extension_too_late",
        note="x",
        due_date=further,
    )


async def test_redo_sends_an_unsatisfied_demand_back_to_the_same_unit(
    client: httpx.AsyncClient,
) -> None:
    desk = await Desk(client, await _demand()).sign_in()
    await desk.assign()
    await desk.ok("sunqiang", "acknowledge")
    await desk.ok("sunqiang", "reply", note="已答复")
    happy = await desk.ok("zhangsan", "revisit", satisfaction="basically_satisfied")
    assert "redo" not in happy["actions"]
    message = await desk.refused("zhaoli", "redo", 409, "demand.invalid_step", note="x")
    assert "不满意" in message
    # An unsatisfied revisit instead (as if the talent changed their mind on a second call).
    await Demand.update({Demand.satisfaction: "unsatisfied"}).where(Demand.id == desk.id)
    await desk.refused("zhaoli", "redo", 400, "demand.note_required")
    await desk.refused("zhangsan", "redo", 403, "auth.forbidden", note="x")
    redone = await desk.ok("zhaoli", "redo", note="人才不满意，请重办")
    expected_due = await add_working_days(_today(), 7)
    assert (
        redone["status"],
        redone["handler_unit_name"],
        redone["due_date"],
        redone["satisfaction"],
        redone["acknowledged_at"],
    ) == ("assigned", "县人力资源和社会保障局", expected_due.isoformat(), None, None)
    assert redone["events"][-1]["kind"] == "redo"


async def test_assign_without_a_date_gives_seven_working_days(client: httpx.AsyncClient) -> None:
    desk = await Desk(client, await _demand()).sign_in()
    out = await desk.ok("zhaoli", "assign", handler_unit_id=str(HRSS))
    assert out["due_date"] == (await add_working_days(_today(), 7)).isoformat()


async def test_a_refused_step_writes_nothing(client: httpx.AsyncClient) -> None:
    desk = await Desk(client, await _demand()).sign_in()
    await desk.assign()
    before = await Demand.select().where(Demand.id == desk.id).first()
    events = await DemandEvent.count()
    audits = await AuditLog.count()
    await desk.refused(
        "sunqiang", "acknowledge", 409, "demand.stale_version", version=desk.version + 1
    )
    await desk.refused(
        "sunqiang", "request_extension", 400, "demand.extension_date_invalid", note="x"
    )
    await desk.refused("zhangsan", "send_back", 403, "auth.forbidden", note="x")
    await desk.refused("sunqiang", "close_out", 409, "demand.invalid_step")
    assert await Demand.select().where(Demand.id == desk.id).first() == before
    assert (await DemandEvent.count(), await AuditLog.count()) == (events, audits)


@pytest.mark.commits  # the reminders job opens transactions of its own
async def test_reminders_urge_before_the_due_date_and_escalate_after_once_each(
    client: httpx.AsyncClient,
) -> None:
    due_soon = await Desk(client, await _demand()).sign_in()
    await due_soon.assign(days=30)
    late = Desk(client, await _demand())
    late.who = due_soon.who
    await late.assign(days=30)
    today = _today()
    tomorrow_working = await add_working_days(today, 1)
    await Demand.update({Demand.due_date: tomorrow_working}).where(Demand.id == due_soon.id)
    await Demand.update({Demand.due_date: today - dt.timedelta(days=2)}).where(Demand.id == late.id)
    # Several processes at once, then again: each reminder once.
    runs = await asyncio.gather(*(send_reminders(today) for _ in range(4)))
    assert [sum(r[k] for r in runs) for k in ("urge", "escalate")] == [1, 1]
    assert await send_reminders(today) == {"urge": 0, "escalate": 0}
    rows = await DemandReminder.select(DemandReminder.demand, DemandReminder.kind)
    assert sorted((str(r["demand"]), r["kind"]) for r in rows) == sorted(
        [(str(due_soon.id), "urge"), (str(late.id), "escalate")]
    )
    seen = (await client.get(f"/api/demands/{late.id}", headers=late.who["zhaoli"])).json()
    assert seen["events"][-1]["kind"] == "escalate"
    assert seen["events"][-1]["data"] == {
        "automatic": True,
        "due_date": (today - dt.timedelta(days=2)).isoformat(),
    }
    # An extension gives a new due date, urged again in its turn; a closed demand never is.
    await Demand.update({Demand.status: "closed"}).where(Demand.id == late.id)
    assert await send_reminders(today + dt.timedelta(days=40)) == {"urge": 0, "escalate": 1}
