"""The desk's use cases: the records table, a record's detail, batch review, the map and the
export. Every one is for supervisors and admins, within their unit's subtree."""

from __future__ import annotations

import datetime as dt
import math
import uuid

import msgspec

from server.accounts.schemas import CurrentUser
from server.accounts.scope import SUBTREE_ROLES
from server.desk import history, repository
from server.desk.flags import FLAGS
from server.desk.schemas import (
    BatchResult,
    BatchReviewIn,
    BatchReviewOut,
    CentrePoint,
    Filters,
    FlagOut,
    MapOut,
    MapPoint,
    RecordDetail,
    RecordKind,
    RecordRow,
)
from server.errors import ApiError, forbidden, not_found
from server.inspections.repository import get_inspection
from server.records import Page
from server.reviews import service as reviews
from server.reviews.schemas import ReviewIn
from server.rosters.tables import ServiceCenter
from server.settings import get_settings
from server.visits.repository import get_visit

#: The most rows one export holds; narrow the filters for more.
EXPORT_MAX = 10_000


def scope(user: CurrentUser) -> str:
    """The caller's subtree (a unit path prefix); only supervisors and admins use the desk."""
    if user.role not in SUBTREE_ROLES:
        raise forbidden("the desk is for supervisors")
    return user.org_unit_path


def _late_days() -> int:
    return get_settings().desk_late_days


async def unit_filter(user: CurrentUser, unit_id: uuid.UUID) -> str:
    """The path of a unit filter, which must lie in the caller's subtree."""
    path = await repository.unit_path(unit_id)
    if path is None or not path.startswith(scope(user)):
        raise ApiError(400, "desk.unknown_unit", "单位不存在或不在您的管辖范围内")
    return path


async def records(
    user: CurrentUser, filters: Filters, sort: str, limit: int, offset: int
) -> Page[RecordRow]:
    """One page of the records table, and how many match."""
    prefix, days = scope(user), _late_days()
    total = await repository.count(prefix, filters, days)
    ids = await repository.page(prefix, filters, days, sort, limit, offset) if total else []
    return Page(total=total, items=await repository.rows(ids, days))


async def export_rows(user: CurrentUser, filters: Filters, sort: str) -> list[RecordRow]:
    """Every matching row, for the export; more than :data:`EXPORT_MAX` is refused."""
    prefix, days = scope(user), _late_days()
    total = await repository.count(prefix, filters, days)
    if total > EXPORT_MAX:
        raise ApiError(
            400,
            "desk.export_too_large",
            f"符合条件的记录有 {total} 条，超过导出上限 {EXPORT_MAX} 条，请缩小筛选范围",
            {"total": total, "max": EXPORT_MAX},
        )
    ids = await repository.page(prefix, filters, days, sort, EXPORT_MAX, 0)
    out: list[RecordRow] = []
    for start in range(0, len(ids), 500):
        out += await repository.rows(ids[start : start + 500], days)
    return out


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def _explain(row: RecordRow, distance: float | None, days: int) -> list[FlagOut]:
    day = "走访" if row.kind == "visit" else "检查"
    why = {
        "low_accuracy": f"定位精度 {row.accuracy or 0:.0f} 米",
        "far_from_centre": f"距服务中心登记位置约 {distance or 0:.0f} 米",
        "late_submission": f"{day}日期 {row.day.isoformat()}，提交于 "
        f"{row.submitted_at.date().isoformat() if row.submitted_at else '—'}，超过 {days} 天",
        "no_photo": "该走访活动要求照片，记录中没有照片",
        "edited_after_return": "退回后记录又被修改，请核对修改内容",
    }
    return [FlagOut(name=n, label=FLAGS[n].label, explanation=why[n]) for n in row.flags]


async def detail(user: CurrentUser, kind: RecordKind, record_id: uuid.UUID) -> RecordDetail:
    """Every field, the flags explained, the distance to the centre, history and reviews."""
    scope(user)
    found = await (get_visit if kind == "visit" else get_inspection)(user, record_id)
    rows = await repository.rows([(kind, record_id)], _late_days())
    if found is None or not rows:
        raise not_found(kind)
    record, row = msgspec.to_builtins(found), rows[0]
    distance = None
    if kind == "inspection" and row.latitude is not None and row.longitude is not None:
        centre = await (
            ServiceCenter.select(ServiceCenter.latitude, ServiceCenter.longitude)
            .where(ServiceCenter.id == record["service_center_id"])
            .first()
        )
        if centre and centre["latitude"] is not None:
            distance = round(
                _metres(row.latitude, row.longitude, centre["latitude"], centre["longitude"]), 1
            )
    return RecordDetail(
        row=row,
        record=record,
        flags=_explain(row, distance, _late_days()),
        distance_to_centre_m=distance,
        history=await history.versions(kind, record_id),
        reviews=await history.decisions(kind, record_id),
    )


async def batch_review(user: CurrentUser, data: BatchReviewIn, ip: str) -> BatchReviewOut:
    """The same decision on each selected record, one review (one write, one audit entry) at a
    time, each naming the version read; one refused does not stop the others."""
    scope(user)
    results = []
    for item in data.items:
        decision = ReviewIn(decision=data.decision, comment=data.comment, version=item.version)
        try:
            done = await reviews.review(item.kind, item.id, decision, user, ip)
        except ApiError as exc:
            if exc.code == "review.comment_required":
                raise  # the same for every item: refuse the batch as a whole
            results.append(
                BatchResult(
                    kind=item.kind, id=item.id, ok=False, code=exc.code, message=exc.message
                )
            )
            continue
        results.append(
            BatchResult(
                kind=item.kind, id=item.id, ok=True, status=done.status, version=done.version
            )
        )
    ok = sum(r.ok for r in results)
    return BatchReviewOut(
        approved=ok if data.decision == "approve" else 0,
        returned=ok if data.decision == "return" else 0,
        failed=len(results) - ok,
        results=results,
    )


async def map_view(user: CurrentUser, filters: Filters, limit: int) -> MapOut:
    """Located records of the filters (at most ``limit``) and the subtree's centres."""
    prefix, days = scope(user), _late_days()
    located = msgspec.structs.replace(filters, has_location=True)
    total = await repository.count(prefix, located, days)
    points = await repository.map_points(prefix, located, days, limit)
    return MapOut(
        total=total,
        points=[
            MapPoint(
                kind=p["kind"],
                id=repository.uuid_of(p["id"]),
                latitude=p["latitude"],
                longitude=p["longitude"],
                status=p["status"],
            )
            for p in points
        ],
        centres=[
            CentrePoint(
                id=repository.uuid_of(c["id"]),
                name=c["name"],
                latitude=c["latitude"],
                longitude=c["longitude"],
            )
            for c in await repository.centres(prefix)
        ],
    )


def week_range(week: str) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of an ISO week ``YYYY-Www``."""
    try:
        year, number = week.split("-W")
        monday = dt.date.fromisocalendar(int(year), int(number), 1)
    except ValueError:
        raise ApiError(400, "desk.bad_week", "周次格式应为 2026-W47") from None
    return monday, monday + dt.timedelta(days=6)
