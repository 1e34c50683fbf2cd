"""Searching and exporting the audit log: admins, for actors of their subtree (entries with no
actor, such as failed sign-ins of unknown names, only for an admin of a top unit)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import msgspec

from server.accounts.deps import require_role
from server.accounts.schemas import CurrentUser
from server.audit import repository
from server.audit.schemas import AuditEntryOut, AuditQuery
from server.audit.tables import AuditLog
from server.db import SHANGHAI, json_load
from server.errors import ApiError

#: Most entries one export holds; narrow the filters for more.
EXPORT_MAX = 10_000
CSV_TYPE = "text/csv; charset=utf-8"
_HEADERS = ("时间", "操作人账号", "操作人", "操作", "对象", "对象编号", "详情", "地址")


def _where(user: CurrentUser, query: AuditQuery) -> Any:
    actor_unit: Any = AuditLog.actor.org_unit
    in_scope = actor_unit.path.like(f"{user.org_unit_path}%")
    if user.org_unit_path.count("/") == 2:  # "/<id>/": a top unit
        in_scope |= AuditLog.actor.is_null()
    where = in_scope
    if query.actor:
        # Usernames are lower case; names Chinese (LIKE on both engines, no ILIKE on SQLite).
        text = query.actor.strip()
        where &= AuditLog.actor.username.like(f"%{text.lower()}%") | (
            AuditLog.actor.display_name.like(f"%{text}%")
        )
    if query.action:
        where &= AuditLog.action.like(f"{query.action.strip()}%")
    if query.entity_id:
        where &= AuditLog.entity_id == query.entity_id.strip()
    if query.since and query.until and query.since > query.until:
        raise ApiError(400, "audit.bad_range", "开始日期不能晚于结束日期", {"field": "since"})
    if query.since:
        where &= AuditLog.created_at >= _county_midnight(query.since)
    if query.until:
        where &= AuditLog.created_at < _county_midnight(query.until + dt.timedelta(days=1))
    return where


def _county_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=SHANGHAI).astimezone(dt.UTC)


def _out(row: dict[str, Any]) -> AuditEntryOut:
    details = json_load(row["details"])
    return AuditEntryOut(
        id=row["id"],
        created_at=row["created_at"],
        actor_id=row["actor"],
        actor_username=row["actor_username"],
        actor_name=row["actor_name"],
        action=row["action"],
        entity=row["entity"],
        entity_id=row["entity_id"],
        details=details or {},
        ip=row["ip"],
    )


async def search(
    user: CurrentUser, query: AuditQuery, limit: int, offset: int
) -> tuple[int, list[AuditEntryOut]]:
    require_role(user, "admin")
    total, rows = await repository.search(_where(user, query), limit, offset)
    return total, [_out(r) for r in rows]


def _cell(value: Any) -> str:
    # A cell Excel would run as a formula is kept as text.
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


async def export(user: CurrentUser, query: AuditQuery, ip: str) -> bytes:
    """The matching entries as CSV (UTF-8 with a BOM, for Excel); the export is audited."""
    total, entries = await search(user, query, EXPORT_MAX, 0)
    if total > EXPORT_MAX:
        raise ApiError(
            400, "audit.too_many", f"超过 {EXPORT_MAX} 条，请缩小筛选范围", {"total": total}
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_HEADERS)
    for e in entries:
        writer.writerow(
            _cell(v)
            for v in (
                e.created_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
                e.actor_username,
                e.actor_name,
                e.action,
                e.entity,
                e.entity_id,
                msgspec.json.encode(e.details).decode(),
                e.ip,
            )
        )
    body = ("\ufeff" + out.getvalue()).encode("utf-8")
    await repository.record(
        "audit.export",
        actor_id=user.id,
        details={"filters": msgspec.to_builtins(query), "rows": total},
        ip=ip,
    )
    return body
