"""Evidence flags: facts about a record a supervisor may want to look at twice. Computed by the
database as each list is read (so filters use them and nothing goes stale), explained in words on
the detail. A flag informs; it never blocks anything.

Each is a SQL condition over a record row ``v`` and, for visits, its campaign ``c``; for
inspections, its centre ``sc``. A flag a record kind cannot have is absent for that kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from server.db import is_postgres

#: Location fixes less precise than this (metres) are flagged.
ACCURACY_METRES = 100
#: Inspections recorded further than this (metres) from the centre's registered point.
CENTRE_METRES = 500
#: Metres per degree of latitude (the mean Earth radius's, 6,371 km).
_METRES_PER_DEGREE = 111_195


def _photos_empty(alias: str) -> str:
    # PostgreSQL's json type has no equality; its text keeps what piccolo wrote.
    return f"{alias}.photos::text = '[]'" if is_postgres() else f"{alias}.photos = '[]'"


def _late(day: str, days: int) -> str:
    if is_postgres():
        return f"v.submitted_at >= v.{day} + {days + 1}"
    return f"julianday(v.submitted_at) >= julianday(v.{day}) + {days + 1}"


def _far() -> str:
    # Flat-earth distance: exact enough within a county, and the same formula on both engines.
    m = _METRES_PER_DEGREE
    dy = f"((v.latitude - sc.latitude) * {m})"
    dx = f"((v.longitude - sc.longitude) * {m} * cos(radians(sc.latitude)))"
    return (
        "v.latitude IS NOT NULL AND sc.latitude IS NOT NULL"
        f" AND {dy} * {dy} + {dx} * {dx} > {CENTRE_METRES * CENTRE_METRES}"
    )


def _edited_after_return(kind: str) -> str:
    return (
        "EXISTS (SELECT 1 FROM review_decision rd WHERE rd.record_id = v.id"
        f" AND rd.entity = '{kind}' AND rd.decision = 'return' AND v.version > rd.version)"
    )


@dataclass(frozen=True)
class Flag:
    name: str
    #: What the desk shows (zh-CN).
    label: str
    #: SQL per record kind, given the late-submission days; absent: not for that kind.
    visit: Callable[[int], str] | None
    inspection: Callable[[int], str] | None

    def sql(self, kind: str, late_days: int) -> str | None:
        make = self.visit if kind == "visit" else self.inspection
        return make(late_days) if make else None


FLAGS: dict[str, Flag] = {
    f.name: f
    for f in (
        Flag(
            "low_accuracy",
            f"定位精度低于 {ACCURACY_METRES} 米",
            lambda _: f"v.accuracy > {ACCURACY_METRES}",
            lambda _: f"v.accuracy > {ACCURACY_METRES}",
        ),
        Flag(
            "far_from_centre",
            f"检查位置距服务中心登记位置超过 {CENTRE_METRES} 米",
            None,
            lambda _: _far(),
        ),
        Flag(
            "late_submission",
            "提交时间晚于走访（检查）日期过多",
            lambda days: _late("visited_on", days),
            lambda days: _late("inspected_on", days),
        ),
        Flag(
            "no_photo",
            "走访活动要求照片，记录没有照片",
            lambda _: f"c.photo_required AND {_photos_empty('v')}",
            None,
        ),
        Flag(
            "edited_after_return",
            "退回后被修改过",
            lambda _: _edited_after_return("visit"),
            lambda _: _edited_after_return("inspection"),
        ),
    )
}
