"""The weekly summary (周报): the figures domain.md defines, on known data, in JSON, XLSX and
CSV; for reviewers only; every export audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from typing import Any

import httpx
import openpyxl

from server.audit.tables import AuditLog
from server.db import SHANGHAI, county_today, json_load
from server.demands.tables import Demand
from server.demo import demo_id
from server.rosters.tables import Talent
from server.visits.tables import Visit
from tests.support.client import login
from tests.support.factories import make_visit

# The week two weeks back, whatever the calendar says: ended before today, and (with the week
# before it) inside the demo campaign, which reaches at least four weeks back.
_MONDAY = county_today() - dt.timedelta(
    days=14 + (county_today() - dt.timedelta(days=14)).weekday()
)
_YEAR, _WEEK, _ = _MONDAY.isocalendar()
WEEK = f"{_YEAR}-W{_WEEK:02d}"
HRSS = demo_id("县人力资源和社会保障局")


def _day(n: int) -> dt.date:
    """The week's Monday plus ``n`` days."""
    return _MONDAY + dt.timedelta(days=n)


def _at(n: int, hour: int = 10) -> dt.datetime:
    """A moment of the week's Monday plus ``n`` days, county time."""
    return dt.datetime.combine(_day(n), dt.time(hour), SHANGHAI)


async def _demand(visit_id: uuid.UUID, **values: Any) -> None:
    columns = {getattr(Demand, k): v for k, v in values.items()}
    await Demand.update(columns).where(Demand.visit == visit_id)


async def _county_week() -> dict[str, str]:
    """Approved visits of 城关镇 talents 0, 4, 8 in the week: one demand waits, one is overdue,
    one was closed on time with a satisfied talent; 张三 has one more visit pending review and
    李四 one returned this week; an approved visit of the week before counts only in coverage."""
    thursday = _day(4)
    await make_visit("zhangsan", 0, status="approved", visited_on=thursday)
    overdue = await make_visit("zhangsan", 4, status="approved", visited_on=thursday)
    await _demand(
        overdue,
        status="assigned",
        handler_unit=HRSS,
        assigned_at=_at(1),
        due_date=_day(3),
    )
    closed = await make_visit("zhangsan", 8, status="approved", visited_on=thursday)
    await _demand(
        closed,
        status="closed",
        handler_unit=HRSS,
        assigned_at=_at(0),
        due_date=_day(9),
        closed_at=_at(2),
        satisfaction="satisfied",
    )
    pending = await make_visit("zhangsan", 12, status="submitted", visited_on=thursday)
    await Visit.update({Visit.submitted_at: _at(5)}).where(Visit.id == pending)
    returned = await make_visit("lisi", 1, status="returned", visited_on=thursday)
    await Visit.update({Visit.reviewed_at: _at(3)}).where(Visit.id == returned)
    await make_visit("zhangsan", 16, status="approved", visited_on=_day(-6))
    talent = await Talent.select(Talent.name).where(Talent.id == demo_id("talent/4")).first()
    assert talent is not None
    return {"overdue_talent": talent["name"]}


def _section(body: dict[str, Any], key: str) -> dict[str, Any]:
    return next(s for s in body["sections"] if s["key"] == key)


async def test_the_figures_of_a_week(client: httpx.AsyncClient) -> None:
    known = await _county_week()
    boss = await login(client, "zhaoli")
    response = await client.get(f"/api/reports/weekly?week={WEEK}", headers=boss)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["starts_on"], body["ends_on"], body["as_of"]) == (
        _day(0).isoformat(),
        _day(6).isoformat(),
        _day(6).isoformat(),
    )
    campaign = f"{county_today().year}年“三送三问”人才走访"  # the demo's, of the year seeded
    assert (body["unit_name"], body["campaign_name"]) == ("清源县", campaign)
    o = body["overview"]
    assert (o["visits"], o["talents_visited"], o["roster_size"], o["covered"]) == (3, 3, 200, 4)
    assert o["coverage_rate"] == 0.02
    assert (o["demands_collected"], o["resolved_on_site"]) == (3, 0)
    assert (o["assigned_this_week"], o["closed_this_week"], o["assigned"], o["closed"]) == (
        2,
        1,
        2,
        1,
    )
    assert (o["closure_rate"], o["closed_on_time"], o["on_time_rate"]) == (0.5, 1, 1.0)
    assert (o["overdue"], o["satisfaction_rate"]) == (1, 1.0)

    townships = {row[0]: row for row in _section(body, "by_township")["rows"]}
    assert list(townships) == ["北坪镇", "城关镇", "东湖街道", "南山镇"]  # by pinyin
    assert townships["城关镇"] == ["城关镇", 50, 3, 3, 4, 0.08, 3, 0, 2, 1, 0.5, 1]
    assert townships["东湖街道"][1:5] == [50, 0, 0, 0]

    assert _section(body, "by_handler")["rows"] == [
        ["县人力资源和社会保障局", 2, 2, 1, 0, 1, 1, 0.5, 1.0, 0]
    ]
    # Workload only, by name (李 before 张 in pinyin), never ranked.
    assert _section(body, "by_visitor")["rows"] == [
        ["李四", "东湖街道", 0, 0, 1, 0],
        ["张三", "城关镇", 3, 1, 0, 1],
    ]
    assert _section(body, "by_category")["rows"] == [["住房", 4, 1.0, 1]]
    overdue = _section(body, "overdue")["rows"]
    masked = known["overdue_talent"][0] + "*" * (len(known["overdue_talent"]) - 1)
    assert overdue == [
        [
            1,
            masked,
            "申请人才公寓",
            "县人力资源和社会保障局",
            _day(1).isoformat(),
            _day(3).isoformat(),
            3,
            "已交办",
            0,
        ]
    ]
    assert _section(body, "inspections")["rows"] == [[0, None, 0, 0, 0]]


async def test_exports_open_in_excel_and_are_audited(client: httpx.AsyncClient) -> None:
    await _county_week()
    boss = await login(client, "zhaoli")
    xlsx = await client.get(f"/api/reports/weekly/export?week={WEEK}&format=xlsx", headers=boss)
    assert xlsx.status_code == 200, xlsx.text
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert f"filename*=UTF-8''%E5%91%A8%E6%8A%A5-{WEEK}" in xlsx.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == [
        "说明",
        "总体情况",
        "分镇街情况",
        "承办单位办理情况",
        "走访人工作量",
        "诉求分类",
        "超期诉求清单",
        "党群服务中心检查",
    ]
    overview = book["总体情况"]
    assert [c.value for c in overview[3]] == ["指标", "数值", "比率"]
    rows = {r[0].value: r for r in overview.iter_rows(min_row=4)}
    assert rows["本周走访人次"][1].value == 3
    assert rows["累计办结（办结率）"][2].value == 0.5
    assert rows["累计办结（办结率）"][2].number_format == "0.0%"
    late = book["超期诉求清单"]
    assert late.cell(row=4, column=6).value == dt.datetime.combine(_day(3), dt.time())

    response = await client.get(f"/api/reports/weekly/export?week={WEEK}&format=csv", headers=boss)
    assert response.status_code == 200
    assert response.content.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    monday, sunday = _day(0), _day(6)
    span = f"{monday.month}月{monday.day}日—{sunday.month}月{sunday.day}日"
    assert lines[0][0] == f"清源县 走访工作周报 {_YEAR}年第{_WEEK}周（{span}）"
    at = lines.index(["一、总体情况"])
    assert lines[at + 1] == ["指标", "数值", "比率"]
    assert ["累计办结（办结率）", "1", "50.0%"] in lines

    audited = await AuditLog.select(AuditLog.details).where(AuditLog.action == "report.export")
    assert (
        sorted(a["details"]["format"] if isinstance(a["details"], dict) else "" for a in audited)
        or True
    )
    formats = sorted(json_load(a["details"])["format"] for a in audited)
    assert formats == ["csv", "xlsx"]


async def test_only_reviewers_get_summaries_and_weeks_are_checked(
    client: httpx.AsyncClient,
) -> None:
    for username in ("zhangsan", "sunqiang"):
        who = await login(client, username)
        response = await client.get(f"/api/reports/weekly?week={WEEK}", headers=who)
        assert (response.status_code, response.json()["code"]) == (403, "auth.forbidden")
        response = await client.get(f"/api/reports/weekly/export?week={WEEK}", headers=who)
        assert response.status_code == 403
    boss = await login(client, "zhaoli")
    for week, code in (
        ("2026-47", "report.invalid_week"),
        ("2026-W54", "report.invalid_week"),
        ("2099-W01", "report.future_week"),
    ):
        response = await client.get(f"/api/reports/weekly?week={week}", headers=boss)
        assert (response.status_code, response.json()["code"]) == (400, code), week
    response = await client.get(f"/api/reports/weekly/export?week={WEEK}&format=pdf", headers=boss)
    assert response.status_code == 400
    assert await AuditLog.count().where(AuditLog.action == "report.export") == 0


async def test_late_unsatisfied_on_site_and_inspections_by_value(client: httpx.AsyncClient) -> None:
    """A demand resolved on site, one closed late (no handler named, talent unsatisfied), one
    overdue for a talent with a one-character name (masked 张*, never shown whole); two approved
    inspections of the week and one older whose rectification is past its deadline."""
    from server.inspections.tables import Inspection, Rectification
    from tests.support.factories import make_inspection

    on_site = await make_visit("zhangsan", 0, status="approved", visited_on=_day(4))
    await _demand(on_site, status="resolved_on_site", resolved_on_site=True)
    late = await make_visit("zhangsan", 4, status="approved", visited_on=_day(4))
    await _demand(
        late,
        status="closed",
        assigned_at=_at(0),
        due_date=_day(1),
        closed_at=_at(2, hour=23),  # Wednesday in the county, and in UTC too
        satisfaction="unsatisfied",
    )
    overdue = await make_visit("zhangsan", 8, status="approved", visited_on=_day(4))
    await _demand(
        overdue,
        status="in_progress",
        handler_unit=HRSS,
        assigned_at=_at(0, hour=7),  # Sunday in UTC, Monday in the county
        due_date=_day(4),
    )
    await Talent.update({Talent.name: "张"}).where(Talent.id == demo_id("talent/8"))
    scores = {"城关镇/东门社区": 8.0, "城关镇/西街社区": 9.0}
    for centre, score in scores.items():
        inspection = await make_inspection("zhangsan", centre)
        await Inspection.update(
            {
                Inspection.status: "approved",
                Inspection.total_score: score,
                Inspection.inspected_on: _day(5),
            }
        ).where(Inspection.id == inspection)
    accepted = await Rectification.select(Rectification.id).first()
    assert accepted is not None
    await Rectification.update({Rectification.status: "accepted"}).where(
        Rectification.id == accepted["id"]
    )
    older = await make_inspection("zhangsan")
    await Inspection.update(
        {Inspection.status: "approved", Inspection.inspected_on: _day(-46)}
    ).where(Inspection.id == older)
    await Rectification.update({Rectification.deadline: _day(-15)}).where(
        Rectification.inspection == older
    )
    await make_inspection("zhangsan")  # submitted, not approved: never counted

    boss = await login(client, "zhaoli")
    response = await client.get(
        f"/api/reports/weekly?week={WEEK}&campaign_id={demo_id('campaign/sssw')}", headers=boss
    )
    assert response.status_code == 200, response.text
    body = response.json()
    o = body["overview"]
    assert (o["demands_collected"], o["resolved_on_site"], o["assigned"], o["closed"]) == (
        3,
        1,
        2,
        1,
    )
    assert (o["closed_on_time"], o["on_time_rate"], o["overdue"]) == (0, 0.0, 1)
    assert o["satisfaction_rate"] == 0.0
    assert _section(body, "overview")["rows"][5] == ["其中当场解决", 1, 0.3333]
    assert _section(body, "by_handler")["rows"] == [
        ["县人力资源和社会保障局", 1, 1, 0, 0, 1, 1, 0.0, None, 0],
        ["（未填）", 1, 1, 0, 1, 0, 0, 1.0, 0.0, 1],
    ]
    assert _section(body, "by_category")["rows"] == [["住房", 3, 1.0, 2]]
    assert [row[1:3] for row in _section(body, "overdue")["rows"]] == [["张*", "申请人才公寓"]]
    assert _section(body, "overdue")["rows"][0][4] == _day(0).isoformat()
    assert _section(body, "inspections")["rows"] == [[2, 8.5, 2, 1, 1]]

    xlsx = await client.get(f"/api/reports/weekly/export?week={WEEK}&format=xlsx", headers=boss)
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert book["超期诉求清单"].cell(row=4, column=2).value == "张*"

    unknown = await client.get(
        f"/api/reports/weekly?week={WEEK}&campaign_id={uuid.uuid4()}", headers=boss
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")


async def test_a_township_and_a_community_supervisor_see_their_own_area(
    client: httpx.AsyncClient,
) -> None:
    """A township's supervisor gets one township row, their own; a supervisor of a unit below
    the townships gets one row for that unit."""
    from server.accounts import repository as accounts
    from server.demo import DEMO_PASSWORD

    await _county_week()
    await accounts.create_user("chenjun", DEMO_PASSWORD, "陈军", "supervisor", demo_id("城关镇"))
    await accounts.create_user(
        "zhoumin", DEMO_PASSWORD, "周敏", "supervisor", demo_id("城关镇/东门社区")
    )
    township = await login(client, "chenjun")
    body = (await client.get(f"/api/reports/weekly?week={WEEK}", headers=township)).json()
    assert body["unit_name"] == "城关镇"
    assert (body["overview"]["visits"], body["overview"]["roster_size"]) == (3, 50)
    assert _section(body, "by_township")["rows"] == [
        ["城关镇", 50, 3, 3, 4, 0.08, 3, 0, 2, 1, 0.5, 1]
    ]
    assert [row[0] for row in _section(body, "by_visitor")["rows"]] == ["张三"]

    community = await login(client, "zhoumin")
    body = (await client.get(f"/api/reports/weekly?week={WEEK}", headers=community)).json()
    assert _section(body, "by_township")["rows"] == [
        ["东门社区", 0, 0, 0, 0, None, 0, 0, 0, 0, None, 0]
    ]
