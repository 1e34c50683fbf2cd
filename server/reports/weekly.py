"""The weekly summary (周报) of a reviewer's area, as ``../shared/domain.md`` defines it.

ISO weeks, Monday to Sunday, Asia/Shanghai. **Only approved records count**: visits,
coverage and demands come from approved visits of the campaign, inspections from approved
inspections. Figures "this week" count what happened in the week; cumulative ones run from the
campaign's start to the week's end, and overdue counts are taken at the week's last day (today,
while the week is still going). Per-person figures are workload only, sorted by name, never
ranked (the 2026 rules on government apps).

Definitions: coverage = distinct roster talents with an approved visit in the campaign period
÷ roster size; closure rate = closed ÷ assigned; on time = closed on or before the due date;
overdue = assigned, past its due date and not closed; satisfaction rate = (满意 + 基本满意) ÷
demands revisited with a satisfaction.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from pypinyin import lazy_pinyin

from server.accounts.schemas import CurrentUser
from server.accounts.scope import SUBTREE_ROLES, in_subtree
from server.accounts.tables import OrgUnit
from server.campaigns.tables import Campaign
from server.db import SHANGHAI, county_today, json_load, utcnow
from server.demands.tables import Demand
from server.errors import ApiError, forbidden
from server.inspections.tables import Inspection, Rectification
from server.reports.schemas import Section, WeeklySummary
from server.rosters.tables import Talent
from server.visits.tables import Visit

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
#: Units the "by township" table has a row for.
_TOWNSHIP_KINDS = ("township", "subdistrict")

CATEGORY_LABELS = {
    "policy_delivery": "政策兑现",
    "housing": "住房",
    "school_enrolment": "子女入学",
    "medical": "医疗",
    "household_registration": "落户",
    "spouse_employment": "配偶就业",
    "project_application": "项目平台申报",
    "funding": "资金",
    "recruitment": "用才招聘",
    "intellectual_property": "知识产权",
    "title_evaluation": "职称评审",
    "other": "其他",
}
STATUS_LABELS = {
    "received": "已受理",
    "resolved_on_site": "当场解决",
    "assigned": "已交办",
    "in_progress": "办理中",
    "replied": "已答复",
    "revisited": "已回访",
    "closed": "已办结",
}


def week_span(week: str) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of an ISO week written "2026-W47"."""
    match = _WEEK.match(week)
    try:
        if match is None:
            raise ValueError(week)
        monday = dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise ApiError(
            400, "report.invalid_week", "name the week as an ISO week, e.g. 2026-W47"
        ) from None
    return monday, monday + dt.timedelta(days=6)


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.astimezone(SHANGHAI).date() if value is not None else None


def _by(value: dt.datetime | None, day: dt.date) -> bool:
    """Whether a moment falls on or before ``day`` (county time)."""
    local = _day(value)
    return local is not None and local <= day


def _within(value: dt.date | None, first: dt.date, last: dt.date) -> bool:
    return value is not None and first <= value <= last


def _late(demand: dict[str, Any], as_of: dt.date) -> bool:
    """An assigned demand past its due date and not closed by ``as_of``: overdue."""
    due = demand["due_date"]
    return due is not None and due < as_of and not _by(demand["closed_at"], as_of)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def mask_name(name: str | None) -> str:
    """张* for lists that leave the system (a name's first character, the rest starred)."""
    return f"{name[0]}{'*' * (len(name) - 1)}" if name else ""


async def weekly_summary(
    user: CurrentUser, week: str, campaign_id: uuid.UUID | None = None
) -> WeeklySummary:
    if user.role not in SUBTREE_ROLES:
        raise forbidden("weekly summaries are for supervisors and admins")
    monday, sunday = week_span(week)
    today = county_today()
    if monday > today:
        raise ApiError(400, "report.future_week", "this week has not begun yet")
    as_of = min(today, sunday)
    campaign = await _campaign(user, campaign_id, monday)
    start = campaign["starts_on"] if campaign else dt.date(monday.year, 1, 1)

    def in_week(day: dt.date | None) -> bool:
        return _within(day, monday, sunday)

    visit_scope = (
        in_subtree(Visit.org_unit, user)
        & Visit.deleted_at.is_null()
        & (Visit.status != "draft")
        & (Visit.visited_on <= sunday)
    )
    demand_scope = (
        in_subtree(Demand.visit.org_unit, user)  # type: ignore[arg-type]
        & Demand.deleted_at.is_null()
        & Demand.visit.deleted_at.is_null()
        & (Demand.visit.status == "approved")
        & (Demand.visit.visited_on >= start)
        & (Demand.visit.visited_on <= sunday)
    )
    if campaign:
        visit_scope &= Visit.campaign == campaign["id"]
        demand_scope &= Demand.visit.campaign == campaign["id"]
    visits = await Visit.select(
        Visit.id,
        Visit.talent,
        Visit.visitor,
        Visit.visitor.display_name.as_alias("visitor_name"),
        Visit.org_unit.name.as_alias("unit_name"),
        Visit.org_unit.path.as_alias("unit_path"),
        Visit.status,
        Visit.visited_on,
        Visit.submitted_at,
        Visit.reviewed_at,
    ).where(visit_scope)
    demands = await Demand.select(
        Demand.id,
        Demand.category,
        Demand.description,
        Demand.resolved_on_site,
        Demand.status,
        Demand.handler_unit,
        Demand.handler_unit.name.as_alias("handler_name"),
        Demand.due_date,
        Demand.assigned_at,
        Demand.closed_at,
        Demand.satisfaction,
        Demand.escalations,
        Demand.created_at,
        Demand.org_unit.path.as_alias("unit_path"),
        Demand.visit.visited_on.as_alias("visited_on"),
        Demand.visit.talent.name.as_alias("talent_name"),  # type: ignore[union-attr]
    ).where(demand_scope)
    talents = await Talent.select(Talent.id, Talent.org_unit.path.as_alias("unit_path")).where(
        in_subtree(Talent.org_unit, user) & Talent.deleted_at.is_null()
    )
    townships = sorted(
        await OrgUnit.select(OrgUnit.name, OrgUnit.path).where(
            OrgUnit.path.like(f"{user.org_unit_path}%") & OrgUnit.kind.is_in(list(_TOWNSHIP_KINDS))
        ),
        key=lambda t: lazy_pinyin(t["name"]),  # by name, as county tables list them
    )
    if not townships:  # a unit below the townships: one row, for it
        townships = [{"name": user.org_unit_name, "path": user.org_unit_path}]

    approved = [v for v in visits if v["status"] == "approved" and v["visited_on"] >= start]
    week_visits = [v for v in approved if in_week(v["visited_on"])]
    week_demands = [d for d in demands if in_week(d["visited_on"])]
    assigned = [d for d in demands if _by(d["assigned_at"], as_of)]
    closed = [d for d in assigned if _by(d["closed_at"], as_of)]
    on_time = [d for d in closed if _by(d["closed_at"], d["due_date"])]
    overdue = [d for d in assigned if _late(d, as_of)]
    rated = [d for d in demands if d["satisfaction"]]
    pleased = [d for d in rated if d["satisfaction"] in ("satisfied", "basically_satisfied")]
    covered = {v["talent"] for v in approved if v["talent"] is not None}
    on_site = [d for d in week_demands if d["resolved_on_site"]]

    overview: dict[str, float | int | None] = {
        "visits": len(week_visits),
        "talents_visited": len({v["talent"] for v in week_visits if v["talent"] is not None}),
        "roster_size": len(talents),
        "covered": len(covered),
        "coverage_rate": _rate(len(covered), len(talents)),
        "demands_collected": len(week_demands),
        "resolved_on_site": len(on_site),
        "assigned_this_week": sum(in_week(_day(d["assigned_at"])) for d in demands),
        "closed_this_week": sum(in_week(_day(d["closed_at"])) for d in demands),
        "assigned": len(assigned),
        "closed": len(closed),
        "closure_rate": _rate(len(closed), len(assigned)),
        "closed_on_time": len(on_time),
        "on_time_rate": _rate(len(on_time), len(closed)),
        "overdue": len(overdue),
        "satisfaction_rate": _rate(len(pleased), len(rated)),
    }
    sections = [
        _overview(overview),
        _by_township(townships, talents, approved, week_visits, demands, week_demands, as_of),
        _by_handler(assigned, monday, sunday, as_of),
        _by_visitor(visits, week_visits, in_week),
        _by_category(demands, as_of),
        _overdue_list(overdue, as_of),
        await _inspections(user, monday, sunday, as_of),
    ]
    unit = await OrgUnit.select(OrgUnit.name).where(OrgUnit.id == user.org_unit_id).first()
    return WeeklySummary(
        week=iso_week(monday),
        starts_on=monday,
        ends_on=sunday,
        as_of=as_of,
        unit_name=unit["name"] if unit else user.org_unit_name,
        campaign_name=campaign["name"] if campaign else "",
        campaign_starts_on=start if campaign else None,
        generated_at=utcnow(),
        overview=overview,
        sections=sections,
    )


async def _campaign(
    user: CurrentUser, campaign_id: uuid.UUID | None, monday: dt.date
) -> dict[str, Any] | None:
    """The campaign asked for, else the talent campaign running in that week (the earliest)."""
    applies = Campaign.org_unit.is_in(user.ancestor_ids()) | Campaign.org_unit.path.like(
        f"{user.org_unit_path}%"
    )
    query = Campaign.select(Campaign.id, Campaign.name, Campaign.starts_on).where(applies)
    if campaign_id is not None:
        found = await query.where(Campaign.id == campaign_id).first()
        if found is None:
            raise ApiError(404, "not_found", "no such campaign in your area")
        return found
    return await (
        query.where(
            (Campaign.target_kind == "talent")
            & (Campaign.starts_on <= monday + dt.timedelta(days=6))
            & (Campaign.ends_on >= monday)
        )
        .order_by(Campaign.starts_on)
        .first()
    )


def _overview(o: dict[str, Any]) -> Section:
    return Section(
        key="overview",
        title="一、总体情况",
        headers=["指标", "数值", "比率"],
        rows=[
            ["本周走访人次", o["visits"], None],
            ["本周走访人才数（去重）", o["talents_visited"], None],
            ["人才名单人数", o["roster_size"], None],
            ["累计覆盖人才（覆盖率）", o["covered"], o["coverage_rate"]],
            ["本周收集诉求", o["demands_collected"], None],
            [
                "其中当场解决",
                o["resolved_on_site"],
                _rate(o["resolved_on_site"], o["demands_collected"]),
            ],
            ["本周交办", o["assigned_this_week"], None],
            ["本周办结", o["closed_this_week"], None],
            ["累计交办", o["assigned"], None],
            ["累计办结（办结率）", o["closed"], o["closure_rate"]],
            ["按时办结（按时率）", o["closed_on_time"], o["on_time_rate"]],
            ["超期未办结", o["overdue"], None],
            ["回访满意率", None, o["satisfaction_rate"]],
        ],
        percent_columns=[2],
    )


def _township_of(paths: Iterable[str]) -> Callable[[str], str | None]:
    ordered = sorted(paths, key=len, reverse=True)
    return lambda path: next((p for p in ordered if path.startswith(p)), None)


def _by_township(
    townships: list[dict[str, Any]],
    talents: list[dict[str, Any]],
    approved: list[dict[str, Any]],
    week_visits: list[dict[str, Any]],
    demands: list[dict[str, Any]],
    week_demands: list[dict[str, Any]],
    as_of: dt.date,
) -> Section:
    of = _township_of(t["path"] for t in townships)
    roster: Counter[str | None] = Counter(of(t["unit_path"]) for t in talents)
    week_talents: dict[str | None, set[Any]] = defaultdict(set)
    covered: dict[str | None, set[Any]] = defaultdict(set)
    visits: Counter[str | None] = Counter()
    for v in week_visits:
        visits[of(v["unit_path"])] += 1
        week_talents[of(v["unit_path"])].add(v["talent"])
    for v in approved:
        covered[of(v["unit_path"])].add(v["talent"])
    rows = []
    for t in townships:
        path = t["path"]
        mine = [d for d in demands if of(d["unit_path"]) == path]
        this_week = [d for d in week_demands if of(d["unit_path"]) == path]
        assigned = [d for d in mine if _by(d["assigned_at"], as_of)]
        closed = [d for d in assigned if _by(d["closed_at"], as_of)]
        late = [d for d in assigned if _late(d, as_of)]
        talented = {x for x in covered[path] if x is not None}
        rows.append(
            [
                t["name"],
                roster[path],
                visits[path],
                len({x for x in week_talents[path] if x is not None}),
                len(talented),
                _rate(len(talented), roster[path]),
                len(this_week),
                sum(d["resolved_on_site"] for d in this_week),
                len(assigned),
                len(closed),
                _rate(len(closed), len(assigned)),
                len(late),
            ]
        )
    return Section(
        key="by_township",
        title="二、分镇街情况",
        headers=[
            "镇街",
            "名单人数",
            "本周走访人次",
            "本周走访人数",
            "累计覆盖人数",
            "覆盖率",
            "本周收集诉求",
            "当场解决",
            "累计交办",
            "累计办结",
            "办结率",
            "超期",
        ],
        rows=rows,
        percent_columns=[5, 10],
    )


def _by_handler(
    assigned: list[dict[str, Any]], monday: dt.date, sunday: dt.date, as_of: dt.date
) -> Section:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d in assigned:
        groups[d["handler_name"] or "（未填）"].append(d)
    rows = []
    for name in sorted(groups, key=lambda n: lazy_pinyin(n)):
        mine = groups[name]
        closed = [d for d in mine if _by(d["closed_at"], as_of)]
        in_time = [d for d in closed if _by(d["closed_at"], d["due_date"])]
        open_ = [d for d in mine if not _by(d["closed_at"], as_of)]
        late = [d for d in mine if _late(d, as_of)]
        rows.append(
            [
                name,
                len(mine),
                sum(_within(_day(d["assigned_at"]), monday, sunday) for d in mine),
                len(in_time),
                len(closed) - len(in_time),
                len(open_),
                len(late),
                _rate(len(closed), len(mine)),
                _rate(len(in_time), len(closed)),
                sum(d["satisfaction"] == "unsatisfied" for d in mine),
            ]
        )
    return Section(
        key="by_handler",
        title="三、承办单位办理情况",
        headers=[
            "承办单位",
            "累计交办",
            "本周交办",
            "按时办结",
            "超时办结",
            "未办结",
            "超期",
            "办结率",
            "按时率",
            "不满意",
        ],
        rows=rows,
        percent_columns=[7, 8],
    )


def _by_visitor(
    visits: list[dict[str, Any]],
    week_visits: list[dict[str, Any]],
    in_week: Callable[[dt.date | None], bool],
) -> Section:
    people: dict[Any, dict[str, Any]] = {}
    for v in visits:
        person = people.setdefault(
            v["visitor"],
            {
                "name": v["visitor_name"],
                "unit": v["unit_name"],
                "visits": 0,
                "submitted": 0,
                "returned": 0,
                "pending": 0,
            },
        )
        if in_week(_day(v["submitted_at"])):
            person["submitted"] += 1
        if v["status"] == "returned" and in_week(_day(v["reviewed_at"])):
            person["returned"] += 1
        if v["status"] == "submitted":
            person["pending"] += 1
    for v in week_visits:
        people[v["visitor"]]["visits"] += 1
    rows = [
        [p["name"], p["unit"], p["visits"], p["submitted"], p["returned"], p["pending"]]
        for p in sorted(people.values(), key=lambda p: lazy_pinyin(p["name"]))
    ]
    return Section(
        key="by_visitor",
        title="四、走访人工作量（按姓名排序，不排名）",
        headers=["走访人", "单位", "本周走访（已审核）", "本周提交", "本周被退回", "待审核"],
        rows=rows,
    )


def _by_category(demands: list[dict[str, Any]], as_of: dt.date) -> Section:
    counts: Counter[str] = Counter(d["category"] for d in demands)
    done: Counter[str] = Counter(
        d["category"]
        for d in demands
        if d["status"] == "resolved_on_site" or _by(d["closed_at"], as_of)
    )
    total = sum(counts.values())
    rows = [
        [CATEGORY_LABELS.get(c, c), n, _rate(n, total), done[c]]
        for c, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return Section(
        key="by_category",
        title="五、诉求分类（活动开始至今）",
        headers=["诉求分类", "件数", "占比", "已解决（含当场解决）"],
        rows=rows,
        percent_columns=[2],
    )


def _overdue_list(overdue: list[dict[str, Any]], as_of: dt.date) -> Section:
    ordered = sorted(overdue, key=lambda d: (d["due_date"], str(d["id"])))
    rows = [
        [
            number,
            mask_name(d["talent_name"]),
            d["description"][:40],
            d["handler_name"] or "",
            _day(d["assigned_at"]),
            d["due_date"],
            (as_of - d["due_date"]).days,
            STATUS_LABELS.get(d["status"], d["status"]),
            len(json_load(d["escalations"]) or []),
        ]
        for number, d in enumerate(ordered, start=1)
    ]
    return Section(
        key="overdue",
        title="六、超期诉求清单",
        headers=[
            "序号",
            "人才",
            "诉求摘要",
            "承办单位",
            "交办日期",
            "办理时限",
            "超期天数",
            "状态",
            "督办次数",
        ],
        rows=rows,
    )


async def _inspections(
    user: CurrentUser, monday: dt.date, sunday: dt.date, as_of: dt.date
) -> Section:
    inspections = await Inspection.select(
        Inspection.id, Inspection.service_center, Inspection.total_score
    ).where(
        in_subtree(Inspection.org_unit, user)
        & Inspection.deleted_at.is_null()
        & (Inspection.status == "approved")
        & (Inspection.inspected_on >= monday)
        & (Inspection.inspected_on <= sunday)
    )
    rectifications = await Rectification.select(
        Rectification.inspection, Rectification.status, Rectification.deadline
    ).where(
        in_subtree(Rectification.inspection.org_unit, user)  # type: ignore[arg-type]
        & Rectification.deleted_at.is_null()
        & Rectification.inspection.deleted_at.is_null()
        & (Rectification.inspection.status == "approved")
    )
    week_ids = {i["id"] for i in inspections}
    found = [r for r in rectifications if r["inspection"] in week_ids]
    scores = [float(i["total_score"] or 0) for i in inspections]
    late = [r for r in rectifications if r["status"] != "accepted" and r["deadline"] < as_of]
    return Section(
        key="inspections",
        title="七、党群服务中心检查",
        headers=["本周检查阵地数", "平均得分", "本周发现问题", "其中已整改销号", "累计超期未整改"],
        rows=[
            [
                len({i["service_center"] for i in inspections}),
                round(sum(scores) / len(scores), 1) if scores else None,
                len(found),
                sum(r["status"] == "accepted" for r in found),
                len(late),
            ]
        ],
    )
