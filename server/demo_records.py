"""Demo records for `make run`: three weeks of visits by the demo field staff, reviewed, with
their demands at every stage of the loop, so the supervisor's screens (审核, 诉求办理, 周报) have
something to show on a new install.

They are made the way real ones are: pushed through the sync engine as each visitor's phone
would, reviewed and moved along the demand loop through the same services the API calls. Then
the loop's timestamps are set back to the days the steps would have happened, so last week's
summary has figures. Deterministic (fixed seed, uuid5 ids); nothing is added twice.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any, Literal

import msgspec

import server.domains  # noqa: F401  (registers the synced entities the pushes below need)
from server.accounts.schemas import CurrentUser
from server.accounts.tables import OrgUnit, User
from server.campaigns.tables import Campaign
from server.db import SHANGHAI, county_today
from server.demands import actions as demands
from server.demands.schemas import DemandActionIn
from server.demands.tables import Demand, DemandEvent
from server.demo import COUNTY, TOWNSHIPS, demo_id
from server.reviews import service as reviews
from server.reviews.schemas import ReviewIn
from server.sync.push import push
from server.visits.tables import Visit
from sync import protocol

#: (username, index of their township in TOWNSHIPS): talent i belongs to township i % 4.
_VISITORS = (("zhangsan", 0), ("lisi", 1), ("wangwu", 2))
_PER_VISITOR = 8
_DEMANDS = (
    ("needs", "school_enrolment", "子女明年秋季入学，希望就近安排"),
    ("difficulties", "housing", "新引进研发人员缺少周转住房"),
    ("needs", "spouse_employment", "配偶随迁，希望协助对接就业岗位"),
    ("difficulties", "funding", "中试线建设资金缺口约两百万元"),
    ("suggestions", "title_evaluation", "建议开设基层专业技术人员职称评审绿色通道"),
    ("needs", "medical", "家中老人需定期复诊，希望开通就医绿色通道"),
)
_HANDLERS = ("县教育局", "县住房和城乡建设局", "县人力资源和社会保障局", "县卫生健康局")
_COMMENTS = ("请补充走访地点和带队领导", "交流情况记录过简，请补充具体诉求")


async def _user(username: str, device: str) -> CurrentUser:
    row = (
        await User.select(
            User.id,
            User.username,
            User.display_name,
            User.role,
            User.org_unit,
            User.org_unit.name.as_alias("unit_name"),
            User.org_unit.path.as_alias("unit_path"),
        )
        .where(User.username == username)
        .first()
    )
    assert row is not None, username
    return CurrentUser(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        role=row["role"],
        org_unit_id=row["org_unit"],
        org_unit_name=row["unit_name"],
        org_unit_path=row["unit_path"],
        token_id=demo_id(f"token/{device}"),
        device_id=device,
    )


async def seed_records() -> bool:
    """Add the demo records once; returns False if they are there already (or no demo county)."""
    if not await OrgUnit.exists().where(OrgUnit.id == demo_id(COUNTY)):
        return False
    if await Visit.exists().where(Visit.id == demo_id("visit/demo/0/0")):
        return False
    campaign = await Campaign.select().where(Campaign.id == demo_id("campaign/sssw")).first()
    assert campaign is not None
    # The real today, never the campaign's end: due dates must lie ahead of it. The campaign
    # reaches back over the three weeks (server.demo.campaign_dates).
    today = county_today()
    rng = random.Random(20261124)
    townships = list(TOWNSHIPS)
    boss = await _user("zhaoli", "demo-seed-zhaoli")

    made: list[dict[str, Any]] = []  # visit id, day, demand id or None
    for v, (username, township) in enumerate(_VISITORS):
        user = await _user(username, f"demo-seed-{username}")
        mutations: list[dict[str, Any]] = []
        for n in range(_PER_VISITOR):
            day = today - dt.timedelta(days=1 + (n * 21) // _PER_VISITOR + v)
            talent = township + 4 * rng.randrange(0, 50)
            visit_id = demo_id(f"visit/demo/{v}/{n}")
            ask, category, text = _DEMANDS[(v * _PER_VISITOR + n) % len(_DEMANDS)]
            demand_id = demo_id(f"demand/demo/{v}/{n}") if n % 3 != 2 else None
            visit = {
                "id": str(visit_id),
                "campaign_id": str(campaign["id"]),
                "talent_id": str(demo_id(f"talent/{talent}")),
                "visited_on": day.isoformat(),
                "mode": ("in_person", "symposium", "phone")[n % 3],
                "visitors": [user.display_name],
                "lead_official": "刘县长" if n % 4 == 0 else "",
                "place": f"{townships[township]}人才服务站",
                "sends": ["policy", "service"] if n % 2 else ["policy", "service", "care"],
                "policies": "《清源县人才新政十条》",
                "asks": {"suggestions": "希望多组织同行交流活动", ask: text},
                "notes": "",
                "device_created_at": dt.datetime.combine(day, dt.time(10), SHANGHAI).isoformat(),
                "demands": (
                    [
                        {
                            "id": str(demand_id),
                            "ask_key": ask,
                            "category": category,
                            "description": text,
                            "resolved_on_site": n % 5 == 4,
                        }
                    ]
                    if demand_id
                    else []
                ),
            }
            mutations += [
                {
                    "op": "visit.put",
                    "mutation_id": str(demo_id(f"mutation/demo/{v}/{n}/put")),
                    "seq": 2 * n + 1,
                    "base_version": 0,
                    "visit": visit,
                },
                {
                    "op": "visit.submit",
                    "mutation_id": str(demo_id(f"mutation/demo/{v}/{n}/submit")),
                    "seq": 2 * n + 2,
                    "id": str(visit_id),
                },
            ]
            made.append({"visit": visit_id, "day": day, "demand": demand_id, "n": n, "v": v})
        body = {"protocol_version": "1.0", "device_id": user.device_id, "mutations": mutations}

        answer = await push(user, msgspec.json.encode(body))
        bad = [r for r in answer.results if not isinstance(r, protocol.Applied)]
        assert not bad, bad

    # Review: the newest visit of each visitor waits; two are returned; the rest approved.
    for item in made:
        if item["n"] == 0:
            continue
        decision: Literal["approve", "return"] = (
            "return" if (item["v"], item["n"]) in ((0, 3), (1, 5)) else "approve"
        )
        comment = _COMMENTS[item["v"]] if decision == "return" else ""
        version = await _version(Visit, item["visit"])
        await reviews.review(
            "visit",
            item["visit"],
            ReviewIn(decision=decision, comment=comment, version=version),
            boss,
            "",
        )
        item["approved"] = decision == "approve"
    # Sent the evening of the visit, reviewed the next morning (as if the phones had signal).
    for item in made:
        evening = dt.datetime.combine(item["day"], dt.time(18), SHANGHAI)
        times: dict[Any, Any] = {Visit.submitted_at: evening}
        if item["n"] != 0:
            times[Visit.reviewed_at] = evening + dt.timedelta(hours=15)
        await Visit.update(times).where(Visit.id == item["visit"])
        if item["demand"]:  # received when the visit was sent
            await Demand.update({Demand.created_at: evening}).where(Demand.id == item["demand"])
            await DemandEvent.update({DemandEvent.created_at: evening}).where(
                DemandEvent.demand == item["demand"]
            )

    # The demand loop, at a stage that depends on how old the visit is.
    handler = await _user("sunqiang", "demo-seed-sunqiang")
    for i, item in enumerate(m for m in made if m["demand"] and m.get("approved")):
        age = (today - item["day"]).days
        demand = (
            await Demand.select(Demand.status, Demand.version)
            .where(Demand.id == item["demand"])
            .first()
        )
        if demand is None or demand["status"] != "received" or age < 3:
            continue  # resolved on site, or too recent to have been assigned
        unit = _HANDLERS[i % len(_HANDLERS)]
        steps: list[tuple[CurrentUser, DemandActionIn]] = [
            (
                boss,
                DemandActionIn(
                    action="assign",
                    version=demand["version"],
                    handler_unit_id=demo_id(unit),
                    due_date=today + dt.timedelta(days=9),
                    note="请按时限办理并答复",
                ),
            )
        ]
        doer = handler if unit == "县人力资源和社会保障局" else boss
        if age >= 8:
            steps.append(
                (doer, DemandActionIn(action="progress", version=0, note="已对接相关科室"))
            )
        if age >= 10 and i % 3 != 1:
            steps.append(
                (
                    doer,
                    DemandActionIn(
                        action="reply", version=0, note="已协调落实，具体安排已告知本人"
                    ),
                )
            )
        if age >= 15 and i % 3 != 1:
            steps.append(
                (
                    boss,
                    DemandActionIn(
                        action="revisit",
                        version=0,
                        satisfaction=("satisfied", "basically_satisfied")[i % 2],
                        note="电话回访",
                    ),
                )
            )
            steps.append((boss, DemandActionIn(action="close_out", version=0)))
        if i % 3 == 1 and age >= 10:
            steps.append(
                (boss, DemandActionIn(action="escalate", version=0, note="已超期，请尽快办理"))
            )
        for who, step in steps:
            await demands.act(
                item["demand"],
                msgspec.structs.replace(step, version=await _version(Demand, item["demand"])),
                who,
                "",
            )
        await _backdate(item["demand"], item["day"], late=i % 3 == 1)
    return True


async def _version(table: Any, row_id: uuid.UUID) -> int:
    row = await table.select(table.version).where(table.id == row_id).first()
    assert row is not None
    return int(row["version"])


async def _backdate(demand_id: uuid.UUID, visited: dt.date, *, late: bool) -> None:
    """Set the loop's times back to the days its steps would have taken, two days apart from
    the visit; a late one's due date has passed."""
    events = (
        await DemandEvent.select(DemandEvent.id, DemandEvent.kind)
        .where((DemandEvent.demand == demand_id) & (DemandEvent.kind != "received"))
        .order_by(DemandEvent.created_at)
        .order_by(DemandEvent.id)
    )
    start = dt.datetime.combine(visited, dt.time(9), SHANGHAI)
    times = {}
    for k, event in enumerate(events, start=1):
        at = start + dt.timedelta(days=2 * k, hours=k)
        times[event["kind"]] = at
        await DemandEvent.update({DemandEvent.created_at: at}).where(DemandEvent.id == event["id"])
    values: dict[Any, Any] = {}
    if "assign" in times:
        assigned = times["assign"]
        values[Demand.assigned_at] = assigned
        values[Demand.due_date] = assigned.date() + dt.timedelta(days=3 if late else 9)
    if "close_out" in times:
        values[Demand.closed_at] = times["close_out"]
    if values:
        await Demand.update(values).where(Demand.id == demand_id)
