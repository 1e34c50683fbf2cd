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
from server.db import SHANGHAI, is_postgres
from server.demands.tables import Demand
from server.inspections.tables import Inspection, Rectification
from server.rosters.tables import Talent
from server.visits.tables import Visit

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
    #: The units that get a row in the township table (townships, or the area's own unit).
    township_ids: tuple[uuid.UUID, ...] = ()


def _midnight(day: dt.date) -> dt.datetime:
    """The moment a county day begins."""
    return dt.datetime.combine(day, dt.time(), SHANGHAI)


_PARAM = re.compile(r"(?<![:\w]):([a-z_0-9]+)")


async def _run(sql: str, scope: Scope) -> list[dict[str, Any]]:
    """Run ``sql`` with ``:name`` parameters taken from the scope, on either engine; table
    names and date expressions are filled in first.

    Moments compare with the moments county days begin (``week_from``, ``week_to``,
    ``as_of_end``): on SQLite piccolo stores every moment as UTC text of one layout, which
    sorts as the moments do, and a comparison is cheaper than each row's county date."""
    one_day = dt.timedelta(days=1)
    values: dict[str, Any] = {
        "subtree": f"{scope.unit_path}%",
        "campaign": scope.campaign_id,
        "start": scope.start,
        "monday": scope.monday,
        "sunday": scope.sunday,
        "as_of": scope.as_of,
        "week_from": _midnight(scope.monday),
        "week_to": _midnight(scope.sunday + one_day),
        "as_of_end": _midnight(scope.as_of + one_day),
        **{f"township_{i}": unit for i, unit in enumerate(scope.township_ids)},
    }
    args: list[Any] = []

    def bind(match: re.Match[str]) -> str:
        args.append(values[match[1]])
        return "{}"

    ids = ", ".join(f":township_{i}" for i in range(len(scope.township_ids))) or "NULL"
    template = _PARAM.sub(bind, _expand(sql.replace("TOWNSHIP_IDS", ids)))
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
_AREA = "IN (SELECT id FROM UNIT WHERE path LIKE :subtree)"
_IN_WEEK = "v.visited_on BETWEEN :monday AND :sunday"
_ASSIGNED = "d.assigned_at < :as_of_end"
_CLOSED = "d.closed_at < :as_of_end"
_OPEN = "(d.closed_at IS NULL OR d.closed_at >= :as_of_end)"
_OVERDUE = f"{_ASSIGNED} AND d.due_date < :as_of AND {_OPEN}"
_ON_TIME = f"{_ASSIGNED} AND {_CLOSED} AND DAY(d.closed_at) <= d.due_date"
_PENDING = "v.status = 'submitted'"
_RETURNED = "v.status = 'returned'"


def _within(column: str) -> str:
    """A moment that falls in the week (county time)."""
    return f"{column} >= :week_from AND {column} < :week_to"


#: Each unit of the area with the township row it counts in (the longest township path above
#: it; none for units outside every township, such as county departments). A few hundred rows
#: at most, made once per query.
_UNIT_TOWNSHIP = """unit_township AS MATERIALIZED (
  SELECT u.id AS unit_id, (
    SELECT t.path FROM UNIT t WHERE t.id IN (TOWNSHIP_IDS) AND u.path LIKE t.path || '%'
    ORDER BY length(t.path) DESC LIMIT 1
  ) AS township
  FROM UNIT u WHERE u.path LIKE :subtree
)"""


def _visits(scope: Scope, *, approved: bool, join: str = "") -> str:
    """FROM and WHERE for the area's visits that are not drafts, up to the week's end
    (``approved``: only approved ones since the start)."""
    sql = (
        f"VISIT v{join} WHERE v.deleted_at IS NULL AND v.status <> 'draft'"
        f" AND v.visited_on <= :sunday AND v.org_unit {_AREA}"
    )
    if approved:
        sql += " AND v.status = 'approved' AND v.visited_on >= :start"
    return sql + (" AND v.campaign = :campaign" if scope.campaign_id else "")


def _demands(scope: Scope, join: str = "") -> str:
    """FROM and WHERE for the demands of the area's approved visits since the start."""
    sql = (
        f"DEMAND d JOIN VISIT vv ON vv.id = d.visit{join} WHERE d.deleted_at IS NULL"
        " AND vv.deleted_at IS NULL AND vv.status = 'approved'"
        f" AND vv.visited_on BETWEEN :start AND :sunday AND vv.org_unit {_AREA}"
    )
    return sql + (" AND vv.campaign = :campaign" if scope.campaign_id else "")


def _count(condition: str) -> str:
    return f"count(CASE WHEN {condition} THEN 1 END)"


def _sum(column: str) -> str:
    """A total as an integer on both engines (PostgreSQL's sum of counts is numeric)."""
    return f"CAST(COALESCE(sum({column}), 0) AS integer)"


async def visit_figures(scope: Scope) -> list[dict[str, Any]]:
    """Approved visits of the week, distinct talents visited in the week and talents covered
    since the start: a row per township path, and one for the whole area (township None).

    Visits are first counted per unit and talent, so the rows joined to townships are a few
    per talent, not one per visit."""
    totals = (
        f"{_sum('p.week_visits')} AS visits,"
        " count(DISTINCT CASE WHEN p.week_visits > 0 THEN p.talent END) AS talents_visited,"
        " count(DISTINCT p.talent) AS covered"
    )
    return await _run(
        f"WITH {_UNIT_TOWNSHIP}, per_unit AS MATERIALIZED ("
        f" SELECT v.org_unit AS unit, v.talent AS talent, {_count(_IN_WEEK)} AS week_visits"
        f" FROM {_visits(scope, approved=True)} GROUP BY v.org_unit, v.talent)"
        f" SELECT ut.township, {totals} FROM per_unit p"
        " JOIN unit_township ut ON ut.unit_id = p.unit"
        " WHERE ut.township IS NOT NULL GROUP BY ut.township"
        f" UNION ALL SELECT NULL, {totals} FROM per_unit p",
        scope,
    )


#: Demand figures that add up across groups (``figures`` says what each means).
DEMAND_COUNTERS = {
    "demands": "1 = 1",
    "collected": "vv.visited_on BETWEEN :monday AND :sunday",
    "resolved_on_site": "vv.visited_on BETWEEN :monday AND :sunday AND d.resolved_on_site",
    "assigned": _ASSIGNED,
    "closed": f"{_ASSIGNED} AND {_CLOSED}",
    "closed_on_time": _ON_TIME,
    "overdue": _OVERDUE,
    "assigned_this_week": _within("d.assigned_at"),
    "closed_this_week": _within("d.closed_at"),
    "solved": f"d.status = 'resolved_on_site' OR {_CLOSED}",
    "rated": "d.satisfaction IS NOT NULL AND d.satisfaction <> ''",
    "pleased": "d.satisfaction IN ('satisfied', 'basically_satisfied')",
    "unsatisfied_assigned": f"{_ASSIGNED} AND d.satisfaction = 'unsatisfied'",
}


async def demand_figures(scope: Scope) -> list[dict[str, Any]]:
    """One pass over the area's demands: ``DEMAND_COUNTERS`` per township path (None outside
    every township), handler unit name ('' when none) and category. The overview, township,
    handler and category tables are sums of these rows (at most townships × handlers ×
    categories of them)."""
    inner = ", ".join(f"{_count(c)} AS {name}" for name, c in DEMAND_COUNTERS.items())
    outer = ", ".join(f"{_sum('p.' + name)} AS {name}" for name in DEMAND_COUNTERS)
    return await _run(
        f"WITH {_UNIT_TOWNSHIP}, per_unit AS MATERIALIZED ("
        " SELECT d.org_unit AS unit, COALESCE(h.name, '') AS handler, d.category AS category,"
        f" {inner} FROM "
        + _demands(scope, join=" LEFT JOIN UNIT h ON h.id = d.handler_unit")
        + " GROUP BY d.org_unit, COALESCE(h.name, ''), d.category)"
        f" SELECT ut.township, p.handler, p.category, {outer} FROM per_unit p"
        " LEFT JOIN unit_township ut ON ut.unit_id = p.unit"
        " GROUP BY ut.township, p.handler, p.category",
        scope,
    )


async def roster_figures(scope: Scope) -> list[dict[str, Any]]:
    """Talents on the area's roster per township path (None outside every township)."""
    return await _run(
        f"WITH {_UNIT_TOWNSHIP}, per_unit AS MATERIALIZED ("
        " SELECT t.org_unit AS unit, count(*) AS roster FROM TALENT t"
        f" WHERE t.deleted_at IS NULL AND t.org_unit {_AREA} GROUP BY t.org_unit)"
        f" SELECT ut.township, {_sum('p.roster')} AS roster FROM per_unit p"
        " LEFT JOIN unit_township ut ON ut.unit_id = p.unit GROUP BY ut.township",
        scope,
    )


async def townships(unit_path: str) -> list[dict[str, Any]]:
    """The township and subdistrict units of the area (id, name, path)."""
    query = OrgUnit.select(OrgUnit.id, OrgUnit.name, OrgUnit.path).where(
        OrgUnit.path.like(f"{unit_path}%") & OrgUnit.kind.is_in(list(TOWNSHIP_KINDS))
    )
    return await query


async def by_visitor(scope: Scope) -> list[dict[str, Any]]:
    """Each visitor's workload: approved visits of the week, submitted and returned in the
    week, waiting for review."""
    approved_in_week = f"v.status = 'approved' AND v.visited_on >= :start AND {_IN_WEEK}"
    joins = " JOIN PERSON p ON p.id = v.visitor JOIN UNIT vu ON vu.id = v.org_unit"
    return await _run(
        "SELECT p.display_name AS name, min(vu.name) AS unit,"
        f" {_count(approved_in_week)} AS visits,"
        f" {_count(_within('v.submitted_at'))} AS submitted,"
        f" {_count(_RETURNED + ' AND ' + _within('v.reviewed_at'))} AS returned,"
        f" {_count(_PENDING)} AS pending"
        f" FROM {_visits(scope, approved=False, join=joins)} GROUP BY v.visitor, p.display_name",
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


_INSPECTION_AREA = f"i.deleted_at IS NULL AND i.status = 'approved' AND i.org_unit {_AREA}"
_INSPECTED_IN_WEEK = "i.inspected_on BETWEEN :monday AND :sunday"
_RECTIFICATION_OPEN_LATE = "r.status <> 'accepted' AND r.deadline < :as_of"


async def inspection_counts(scope: Scope) -> dict[str, Any]:
    """Approved inspections of the week (centres, average score), the rectifications they
    found, and those of any approved inspection past their deadline."""
    inspections = await _run(
        "SELECT count(DISTINCT i.service_center) AS centres,"
        " avg(COALESCE(i.total_score, 0)) AS average_score"
        f" FROM INSPECTION i WHERE {_INSPECTION_AREA} AND {_INSPECTED_IN_WEEK}",
        scope,
    )
    accepted = "r.status = 'accepted'"
    rectifications = await _run(
        f"SELECT {_count(_INSPECTED_IN_WEEK)} AS found,"
        f" {_count(_INSPECTED_IN_WEEK + ' AND ' + accepted)} AS found_accepted,"
        f" {_count(_RECTIFICATION_OPEN_LATE)} AS overdue"
        " FROM RECTIFICATION r JOIN INSPECTION i ON i.id = r.inspection"
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
