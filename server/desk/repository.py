"""The records query: visits and inspections of a subtree, filtered, searched, sorted and paged in
SQL on either engine. A page is found first (ids and sort keys only), then only its rows are
read in full, with their flags."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from server.db import is_postgres, json_load
from server.desk import search
from server.desk.flags import FLAGS
from server.desk.schemas import Filters, RecordKind, RecordRow
from server.desk.sql import Where
from server.visits.tables import Visit

KINDS: tuple[RecordKind, ...] = ("visit", "inspection")
#: Demand statuses that need nothing more.
_DONE = "('closed', 'resolved_on_site')"
#: The record tables alone: what counting and paging read. The joins a flag needs are added
#: when a filter uses it (:data:`_FLAG_JOINS`); a page's rows are read with every join.
_FROM = {"visit": "visit v", "inspection": "inspection v"}
_FLAG_JOINS = {
    "visit": " JOIN campaign c ON c.id = v.campaign",
    "inspection": " JOIN service_center sc ON sc.id = v.service_center",
}
_DAY = {"visit": "v.visited_on", "inspection": "v.inspected_on"}
_OWNER = {"visit": "v.visitor", "inspection": "v.inspector"}
_SORTS = {
    "-day": "day DESC, v.id DESC",
    "day": "day ASC, v.id ASC",
    # NULL last either way, as both engines then agree.
    "-submitted_at": "v.submitted_at IS NULL, v.submitted_at DESC, v.id DESC",
    "submitted_at": "v.submitted_at IS NULL, v.submitted_at ASC, v.id ASC",
}


def arg(value: Any) -> Any:
    """A query argument as the engine stores it (piccolo keeps ids and dates as text on SQLite)."""
    if is_postgres():
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _demand_exists(open_only: bool) -> str:
    status = f" AND d2.status NOT IN {_DONE}" if open_only else ""
    return (
        f"EXISTS (SELECT 1 FROM demand d2 WHERE d2.visit = v.id AND d2.deleted_at IS NULL{status})"
    )


def _photos_empty() -> str:
    return "v.photos::text = '[]'" if is_postgres() else "v.photos = '[]'"


def branch(kind: RecordKind, scope: str, f: Filters, late_days: int) -> Where | None:
    """WHERE of one record kind under the filters; None when the filters exclude the kind."""
    if f.kind not in (None, kind) or (kind == "inspection" and (f.campaign_id or f.demands)):
        return None
    where = Where()
    where.add("v.deleted_at IS NULL")
    # The subtree's units first (a few dozen), then the records of those units.
    units = "v.org_unit IN (SELECT id FROM org_unit WHERE path LIKE {})"
    where.add(units, scope + "%")
    if f.unit_path:
        where.add(units, f.unit_path + "%")
    # The desk is for what was sent: a draft is its author's until submitted.
    where.add("v.status = {}", f.status) if f.status else where.add("v.status <> 'draft'")
    if f.date_from:
        where.add(f"{_DAY[kind]} >= {{}}", arg(f.date_from))
    if f.date_to:
        where.add(f"{_DAY[kind]} <= {{}}", arg(f.date_to))
    if f.person_id:
        where.add(f"{_OWNER[kind]} = {{}}", arg(f.person_id))
    if f.campaign_id:
        where.add("v.campaign = {}", arg(f.campaign_id))
    if f.demands:
        where.add(_demand_exists(f.demands == "open"))
    if f.has_photos is not None:
        where.add(("NOT " if f.has_photos else "") + _photos_empty())
    if f.has_location is not None:
        where.add("v.latitude IS " + ("NOT NULL" if f.has_location else "NULL"))
    for name in f.flags:
        sql = FLAGS[name].sql(kind, late_days)
        if sql is None:
            return None
        where.add(sql)
    if f.q:
        (search.visit_match if kind == "visit" else search.inspection_match)(f.q, where)
    return where


def _from(kind: RecordKind, f: Filters) -> str:
    """The tables a branch reads: the record's, and those its flag filters need."""
    return _FROM[kind] + (_FLAG_JOINS[kind] if f.flags else "")


def _branches(scope: str, f: Filters, late_days: int) -> list[tuple[RecordKind, Where]]:
    out = []
    for kind in KINDS:
        where = branch(kind, scope, f, late_days)
        if where is not None:
            out.append((kind, where))
    return out


async def count(scope: str, f: Filters, late_days: int) -> int:
    """How many records match, over both kinds."""
    total = 0
    for kind, where in _branches(scope, f, late_days):
        rows = await Visit.raw(
            f"SELECT count(*) AS n FROM {_from(kind, f)} WHERE {where.sql()}", *where.args
        )
        total += rows[0]["n"]
    return total


async def page(
    scope: str, f: Filters, late_days: int, sort: str, limit: int, offset: int
) -> list[tuple[RecordKind, uuid.UUID]]:
    """The (kind, id) of one page of matching records, in ``sort`` order. Each kind reads only
    its first ``offset + limit`` rows in that order (its day index serves the default order) and
    the two are merged here, instead of sorting every matching row of both."""
    found: list[tuple[tuple[Any, ...], RecordKind, uuid.UUID]] = []
    for kind, where in _branches(scope, f, late_days):
        rows = await Visit.raw(
            f"SELECT v.id AS id, {_DAY[kind]} AS day, v.submitted_at AS submitted_at"
            f" FROM {_from(kind, f)} WHERE {where.sql()} ORDER BY {_SORTS[sort]} LIMIT {{}}",
            *where.args,
            offset + limit,
        )
        found += [(_sort_key(sort, r), kind, uuid_of(r["id"])) for r in rows]
    found.sort(key=lambda item: item[0], reverse=sort.startswith("-"))
    return [(kind, record_id) for _, kind, record_id in found[offset : offset + limit]]


def _text(value: Any) -> str:
    """Dates, times and ids as text that sorts as the databases sort them."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(sep=" ")
    return "" if value is None else str(value)


def _sort_key(sort: str, row: dict[str, Any]) -> tuple[Any, ...]:
    if sort.endswith("day"):
        return (_text(row["day"]), _text(row["id"]))
    # Records not yet submitted come last in either direction, as in SQL.
    missing = row["submitted_at"] is None
    return (
        not missing if sort.startswith("-") else missing,
        _text(row["submitted_at"]),
        _text(row["id"]),
    )


def uuid_of(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


_COLUMNS = {
    "visit": "COALESCE(t.name, v.target_unit_name) AS subject, c.name AS campaign_name,"
    " v.place AS place, v.visited_on AS day,"
    " (SELECT count(*) FROM demand d2 WHERE d2.visit = v.id AND d2.deleted_at IS NULL)"
    " AS demand_count,"
    " (SELECT count(*) FROM demand d2 WHERE d2.visit = v.id AND d2.deleted_at IS NULL"
    f" AND d2.status NOT IN {_DONE}) AS open_demand_count",
    "inspection": "sc.name AS subject, ct.name AS campaign_name, '' AS place,"
    " v.inspected_on AS day, 0 AS demand_count, 0 AS open_demand_count",
}
_JOINS = {
    "visit": " JOIN org_unit u ON u.id = v.org_unit LEFT JOIN talent t ON t.id = v.talent JOIN app_user o ON o.id = v.visitor",
    "inspection": " JOIN org_unit u ON u.id = v.org_unit JOIN checklist_template ct ON ct.id = v.template"
    " JOIN app_user o ON o.id = v.inspector",
}


async def rows(ids: Sequence[tuple[RecordKind, uuid.UUID]], late_days: int) -> list[RecordRow]:
    """The rows of these records, with their flags, in the order given."""
    found: dict[uuid.UUID, RecordRow] = {}
    for kind in KINDS:
        wanted = [arg(i) for k, i in ids if k == kind]
        if not wanted:
            continue
        flags = [(name, flag.sql(kind, late_days)) for name, flag in FLAGS.items()]
        flag_sql = "".join(
            f", CASE WHEN {sql} THEN 1 ELSE 0 END AS flag_{name}" for name, sql in flags if sql
        )
        marks = ", ".join("{}" for _ in wanted)
        result = await Visit.raw(
            f"SELECT v.id, v.version, v.status, v.latitude, v.longitude, v.accuracy,"
            f" v.photos, v.submitted_at, v.reviewed_at, v.review_comment, o.id AS owner_id,"
            f" o.display_name AS owner_name, u.name AS unit_name, {_COLUMNS[kind]}{flag_sql}"
            f" FROM {_FROM[kind]}{_FLAG_JOINS[kind]}{_JOINS[kind]} WHERE v.id IN ({marks})",
            *wanted,
        )
        for r in result:
            found[uuid_of(r["id"])] = _row(kind, r, [n for n, sql in flags if sql])
    return [found[i] for _, i in ids if i in found]


def _row(kind: RecordKind, r: dict[str, Any], flag_names: list[str]) -> RecordRow:
    return RecordRow(
        kind=kind,
        id=uuid_of(r["id"]),
        version=r["version"],
        status=r["status"],
        day=_date(r["day"]),
        subject=r["subject"] or "",
        owner_id=uuid_of(r["owner_id"]),
        owner_name=r["owner_name"],
        unit_name=r["unit_name"],
        campaign_name=r["campaign_name"],
        place=r["place"] or "",
        latitude=r["latitude"],
        longitude=r["longitude"],
        accuracy=r["accuracy"],
        photo_count=len(json_load(r["photos"]) or []),
        demand_count=r["demand_count"],
        open_demand_count=r["open_demand_count"],
        submitted_at=_time(r["submitted_at"]),
        reviewed_at=_time(r["reviewed_at"]),
        review_comment=r["review_comment"] or "",
        flags=[n for n in flag_names if r[f"flag_{n}"]],
    )


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _time(value: Any) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


async def map_points(scope: str, f: Filters, late_days: int, limit: int) -> list[dict[str, Any]]:
    """Located records of the filters, newest first: kind, id, position, status."""
    parts, args = [], []
    for kind, where in _branches(scope, f, late_days):
        parts.append(
            f"SELECT '{kind}' AS kind, v.id AS id, {_DAY[kind]} AS day, v.latitude AS latitude,"
            f" v.longitude AS longitude, v.status AS status FROM {_from(kind, f)}"
            f" WHERE {where.sql()}"
        )
        args += where.args
    if not parts:
        return []
    return await Visit.raw(
        f"SELECT * FROM ({' UNION ALL '.join(parts)}) r ORDER BY day DESC, id DESC LIMIT {{}}",
        *args,
        limit,
    )


async def centres(scope: str) -> list[dict[str, Any]]:
    """Service centres of the subtree that have a registered point."""
    return await Visit.raw(
        "SELECT sc.id, sc.name, sc.latitude, sc.longitude FROM service_center sc"
        " JOIN org_unit u ON u.id = sc.org_unit"
        " WHERE u.path LIKE {} AND sc.latitude IS NOT NULL ORDER BY sc.name",
        scope + "%",
    )


async def unit_path(unit_id: uuid.UUID) -> str | None:
    """The path of a unit, or None when there is none with that id."""
    found = await Visit.raw("SELECT path FROM org_unit WHERE id = {}", arg(unit_id))
    return found[0]["path"] if found else None
