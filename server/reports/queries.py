"""The weekly summary's queries: every figure is an aggregate computed by the database (conditional
counts, GROUP BY), the same SQL on SQLite and PostgreSQL; only the overdue list's rows are
fetched. The arithmetic on these counts (rates, order, labels) is in ``figures``.

This is the only module of ``server.reports`` that names tables, so moving a table is one edit.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any

from piccolo.table import Table

from server.accounts.tables import OrgUnit, User
from server.campaigns.tables import Campaign
from server.db import is_postgres
from server.inspections.tables import Inspection, Rectification
from server.rosters.tables import Talent
from server.visits.tables import Demand, Visit

#: Units the "by township" table has a row for.
TOWNSHIP_KINDS = ("township", "subdistrict")


@dataclass(frozen=True, kw_only=True)
class Scope:
    """What a summary counts: the area (a unit's subtree), the campaign and the days."""

    #: The unit's materialised path; rows count when their unit's path starts with it.
    unit_path: str
    campaign_id: uuid.UUID | None
    #: Cumulative figures count from here (the campaign's start).
    start: dt.date
    monday: dt.date
    sunday: dt.date
    #: The day cumulative and overdue figures are taken at.
    as_of: dt.date


_PARAM = re.compile(r"(?<![:\w]):([a-z_0-9]+)")


async def _run(sql: str, scope: Scope, **extra: Any) -> list[dict[str, Any]]:
    """Run ``sql`` with ``:name`` parameters taken from the scope (or ``extra``), on either
    engine; table names and date expressions are filled in first."""
    values = {
        "subtree": f"{scope.unit_path}%",
        "campaign": scope.campaign_id,
        "start": scope.start,
        "monday": scope.monday,
        "sunday": scope.sunday,
        "as_of": scope.as_of,
        **extra,
    }
    args: list[Any] = []

    def bind(match: re.Match[str]) -> str:
        args.append(values[match[1]])
        return "{}"

    template = _PARAM.sub(bind, _expand(sql))
    return await Visit.raw(template, *args)


_TABLES: dict[str, type[Table]] = {
    "VISIT": Visit,
    "DEMAND": Demand,
    "UNIT": OrgUnit,
    "PERSON": User,
    "TALENT": Talent,
    "INSPECTION": Inspection,
    "RECTIFICATION": Rectification,
}
_LOCAL_DAY = re.compile(r"DAY\((\w+\.\w+)\)")


def _expand(sql: str) -> str:
    """Table names from the table classes, and DAY(column): a moment's date in county time
    (Asia/Shanghai has had no daylight saving since 1991, so SQLite's fixed offset is exact)."""
    for name, table in _TABLES.items():
        sql = re.sub(rf"\b{name}\b", f'"{table._meta.tablename}"', sql)
    if is_postgres():
        day = r"CAST((\1 AT TIME ZONE 'Asia/Shanghai') AS date)"
    else:
        day = r"date(\1, '+8 hours')"
    return _LOCAL_DAY.sub(day, sql)


# Conditions shared by the queries below (``d`` a demand, ``v``/``vv`` a visit).
_IN_WEEK = "v.visited_on BETWEEN :monday AND :sunday"
_DEMAND_WEEK = "vv.visited_on BETWEEN :monday AND :sunday"
_ASSIGNED = "DAY(d.assigned_at) <= :as_of"
_CLOSED = "DAY(d.closed_at) <= :as_of"
_OPEN = "(d.closed_at IS NULL OR DAY(d.closed_at) > :as_of)"
_OVERDUE = f"{_ASSIGNED} AND d.due_date < :as_of AND {_OPEN}"
_ON_TIME = f"{_ASSIGNED} AND {_CLOSED} AND DAY(d.closed_at) <= d.due_date"
_RATED = "d.satisfaction IS NOT NULL AND d.satisfaction <> ''"
_PLEASED = "d.satisfaction IN ('satisfied', 'basically_satisfied')"
_UNSATISFIED = "d.satisfaction = 'unsatisfied'"
_PENDING = "v.status = 'submitted'"
_TOWNSHIP_JOIN = " JOIN unit_township ut ON ut.unit_id = {alias}.org_unit"
#: Each unit of the area with the township row it counts in (the longest township path above
#: it; none for units outside every township, such as county departments).
_UNIT_TOWNSHIP = """WITH unit_township AS (
  SELECT u.id AS unit_id, (
    SELECT t.path FROM UNIT t WHERE t.id IN (TOWNSHIP_IDS) AND u.path LIKE t.path || '%'
    ORDER BY length(t.path) DESC LIMIT 1
  ) AS township
  FROM UNIT u WHERE u.path LIKE :subtree
)
"""


def _visits(scope: Scope, *, approved: bool, join: str = "") -> str:
    """FROM and WHERE for the area's visits that are not drafts, up to the week's end
    (``approved``: only approved ones since the start)."""
    sql = (
        f"VISIT v JOIN UNIT vu ON vu.id = v.org_unit{join} WHERE v.deleted_at IS NULL"
        " AND v.status <> 'draft' AND v.visited_on <= :sunday AND vu.path LIKE :subtree"
    )
    if approved:
        sql += " AND v.status = 'approved' AND v.visited_on >= :start"
    return sql + (" AND v.campaign = :campaign" if scope.campaign_id else "")


def _demands(scope: Scope, join: str = "") -> str:
    """FROM and WHERE for the demands of the area's approved visits since the start."""
    sql = (
        "DEMAND d JOIN VISIT vv ON vv.id = d.visit JOIN UNIT vu ON vu.id = vv.org_unit"
        f"{join} WHERE d.deleted_at IS NULL AND vv.deleted_at IS NULL"
        " AND vv.status = 'approved' AND vv.visited_on BETWEEN :start AND :sunday"
        " AND vu.path LIKE :subtree"
    )
    return sql + (" AND vv.campaign = :campaign" if scope.campaign_id else "")


def _count(condition: str, what: str = "1") -> str:
    return f"count(CASE WHEN {condition} THEN {what} END)"


def _within(column: str) -> str:
    """A moment that falls in the week (county time)."""
    return f"DAY({column}) BETWEEN :monday AND :sunday"


_VISIT_FIGURES = ", ".join(
    (
        f"{_count(_IN_WEEK)} AS visits",
        f"count(DISTINCT CASE WHEN {_IN_WEEK} THEN v.talent END) AS talents_visited",
        "count(DISTINCT v.talent) AS covered",
    )
)
_DEMAND_FIGURES = ", ".join(
    (
        f"{_count(_DEMAND_WEEK)} AS collected",
        f"{_count(_DEMAND_WEEK + ' AND d.resolved_on_site')} AS resolved_on_site",
        f"{_count(_ASSIGNED)} AS assigned",
        f"{_count(_ASSIGNED + ' AND ' + _CLOSED)} AS closed",
        f"{_count(_OVERDUE)} AS overdue",
    )
)


async def visit_counts(scope: Scope) -> dict[str, int]:
    """Approved visits of the week, distinct talents visited in the week, talents covered."""
    rows = await _run(f"SELECT {_VISIT_FIGURES} FROM {_visits(scope, approved=True)}", scope)
    return rows[0]


async def roster_size(scope: Scope) -> int:
    """Talents on the area's roster."""
    rows = await _run(
        "SELECT count(*) AS n FROM TALENT t JOIN UNIT tu ON tu.id = t.org_unit"
        " WHERE t.deleted_at IS NULL AND tu.path LIKE :subtree",
        scope,
    )
    return int(rows[0]["n"])


async def demand_counts(scope: Scope) -> dict[str, int]:
    """The overview's demand figures (``figures.overview`` says what each means)."""
    rows = await _run(
        f"SELECT {_DEMAND_FIGURES},"
        f" {_count(_within('d.assigned_at'))} AS assigned_this_week,"
        f" {_count(_within('d.closed_at'))} AS closed_this_week,"
        f" {_count(_ON_TIME)} AS closed_on_time,"
        f" {_count(_RATED)} AS rated, {_count(_PLEASED)} AS pleased"
        f" FROM {_demands(scope)}",
        scope,
    )
    return rows[0]


async def townships(scope: Scope) -> list[dict[str, Any]]:
    """The township and subdistrict units of the area (id, name, path)."""
    query = OrgUnit.select(OrgUnit.id, OrgUnit.name, OrgUnit.path).where(
        OrgUnit.path.like(f"{scope.unit_path}%") & OrgUnit.kind.is_in(list(TOWNSHIP_KINDS))
    )
    return await query


async def by_township(scope: Scope, township_ids: list[uuid.UUID]) -> dict[str, dict[str, Any]]:
    """Roster, visit and demand figures per township path:
    ``{"talents": {path: {"roster": n}}, "visits": {path: {...}}, "demands": {path: {...}}}``."""
    ids = ", ".join(f":township_{i}" for i in range(len(township_ids)))
    head = _UNIT_TOWNSHIP.replace("TOWNSHIP_IDS", ids)
    params = {f"township_{i}": value for i, value in enumerate(township_ids)}
    talents = await _run(
        head
        + "SELECT ut.township, count(*) AS roster FROM TALENT t"
        + _TOWNSHIP_JOIN.format(alias="t")
        + " WHERE t.deleted_at IS NULL AND ut.township IS NOT NULL GROUP BY ut.township",
        scope,
        **params,
    )
    visits = await _run(
        head
        + f"SELECT ut.township, {_VISIT_FIGURES} FROM "
        + _visits(scope, approved=True, join=_TOWNSHIP_JOIN.format(alias="v"))
        + " AND ut.township IS NOT NULL GROUP BY ut.township",
        scope,
        **params,
    )
    demands = await _run(
        head
        + f"SELECT ut.township, {_DEMAND_FIGURES} FROM "
        + _demands(scope, join=_TOWNSHIP_JOIN.format(alias="d"))
        + " AND ut.township IS NOT NULL GROUP BY ut.township",
        scope,
        **params,
    )
    return {
        name: {row.pop("township"): row for row in rows}
        for name, rows in (("talents", talents), ("visits", visits), ("demands", demands))
    }


async def by_handler(scope: Scope) -> list[dict[str, Any]]:
    """Assigned demands per handler unit name ('' when none was named)."""
    return await _run(
        "SELECT COALESCE(h.name, '') AS handler, count(*) AS assigned,"
        f" {_count(_within('d.assigned_at'))} AS assigned_this_week,"
        f" {_count(_CLOSED)} AS closed, {_count(_ON_TIME)} AS closed_on_time,"
        f" {_count(_OVERDUE)} AS overdue, {_count(_UNSATISFIED)} AS unsatisfied FROM "
        + _demands(scope, join=" LEFT JOIN UNIT h ON h.id = d.handler_unit")
        + f" AND {_ASSIGNED} GROUP BY COALESCE(h.name, '')",
        scope,
    )


async def by_visitor(scope: Scope) -> list[dict[str, Any]]:
    """Each visitor's workload: approved visits of the week, submitted and returned in the
    week, waiting for review."""
    approved_in_week = f"v.status = 'approved' AND v.visited_on >= :start AND {_IN_WEEK}"
    returned = "v.status = 'returned' AND " + _within("v.reviewed_at")
    return await _run(
        "SELECT p.display_name AS name, min(vu.name) AS unit,"
        f" {_count(approved_in_week)} AS visits,"
        f" {_count(_within('v.submitted_at'))} AS submitted,"
        f" {_count(returned)} AS returned,"
        f" {_count(_PENDING)} AS pending FROM "
        + _visits(scope, approved=False, join=" JOIN PERSON p ON p.id = v.visitor")
        + " GROUP BY v.visitor, p.display_name",
        scope,
    )


async def by_category(scope: Scope) -> list[dict[str, Any]]:
    """Demands per category since the start, and how many are solved (on site or closed)."""
    solved = "d.status = 'resolved_on_site' OR " + _CLOSED
    return await _run(
        f"SELECT d.category, count(*) AS demands, {_count(solved)} AS solved"
        f" FROM {_demands(scope)} GROUP BY d.category",
        scope,
    )


async def overdue_rows(scope: Scope) -> list[dict[str, Any]]:
    """The overdue demands themselves, by due date: the only rows the summary lists."""
    joins = " LEFT JOIN TALENT t ON t.id = vv.talent LEFT JOIN UNIT h ON h.id = d.handler_unit"
    return await _run(
        "SELECT d.id, t.name AS talent_name, d.description, h.name AS handler_name,"
        " d.assigned_at, d.due_date, d.status, d.escalations FROM "
        + _demands(scope, join=joins)
        + f" AND {_OVERDUE} ORDER BY d.due_date, d.id",
        scope,
    )


_INSPECTION_AREA = "i.deleted_at IS NULL AND i.status = 'approved' AND iu.path LIKE :subtree"
_INSPECTED_IN_WEEK = "i.inspected_on BETWEEN :monday AND :sunday"
_RECTIFICATION_OPEN_LATE = "r.status <> 'accepted' AND r.deadline < :as_of"


async def inspection_counts(scope: Scope) -> dict[str, Any]:
    """Approved inspections of the week (centres, average score), the rectifications they
    found, and those of any approved inspection past their deadline."""
    inspections = await _run(
        "SELECT count(DISTINCT i.service_center) AS centres,"
        " avg(COALESCE(i.total_score, 0)) AS average_score"
        " FROM INSPECTION i JOIN UNIT iu ON iu.id = i.org_unit"
        f" WHERE {_INSPECTION_AREA} AND {_INSPECTED_IN_WEEK}",
        scope,
    )
    accepted = "r.status = 'accepted'"
    rectifications = await _run(
        f"SELECT {_count(_INSPECTED_IN_WEEK)} AS found,"
        f" {_count(_INSPECTED_IN_WEEK + ' AND ' + accepted)} AS found_accepted,"
        f" {_count(_RECTIFICATION_OPEN_LATE)} AS overdue"
        " FROM RECTIFICATION r JOIN INSPECTION i ON i.id = r.inspection"
        " JOIN UNIT iu ON iu.id = i.org_unit"
        f" WHERE r.deleted_at IS NULL AND {_INSPECTION_AREA}",
        scope,
    )
    return {**inspections[0], **rectifications[0]}


async def campaign(
    unit_path: str, ancestor_ids: list[Any], campaign_id: uuid.UUID | None, monday: dt.date
) -> dict[str, Any] | None:
    """The campaign asked for (None if not in the area), else the talent campaign running in
    that week (the earliest)."""
    applies = Campaign.org_unit.is_in(ancestor_ids) | Campaign.org_unit.path.like(f"{unit_path}%")
    query = Campaign.select(Campaign.id, Campaign.name, Campaign.starts_on).where(applies)
    if campaign_id is not None:
        return await query.where(Campaign.id == campaign_id).first()
    return await (
        query.where(
            (Campaign.target_kind == "talent")
            & (Campaign.starts_on <= monday + dt.timedelta(days=6))
            & (Campaign.ends_on >= monday)
        )
        .order_by(Campaign.starts_on)
        .first()
    )


async def unit_name(unit_id: uuid.UUID) -> str | None:
    row = await OrgUnit.select(OrgUnit.name).where(OrgUnit.id == unit_id).first()
    return row["name"] if row else None
