"""When a job is due: each schedule names the latest occurrence at a given moment.

An occurrence has a period key, the same in every process (so the run log's unique
``(job, period)`` makes it run once), and the moment it became due. Times are counted in the
county's clock (Asia/Shanghai, UTC+8 all year), as due dates and weeks are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from server.db import SHANGHAI

_OFFSET = SHANGHAI.utcoffset(None)


@dataclass(frozen=True)
class Due:
    """One occurrence of a schedule."""

    #: The occurrence's key, e.g. ``2026-12-01T00:00+08:00`` or ``2026-W49``.
    period: str
    #: When it became due (UTC).
    at: dt.datetime


class Schedule(Protocol):
    """Anything that can say which occurrence is the latest at a moment."""

    def latest(self, now: dt.datetime) -> Due:
        """The most recent occurrence at or before ``now`` (an aware datetime)."""
        ...


@dataclass(frozen=True)
class Every:
    """Every ``hours`` hours, in slots counted from a county midnight (``Every(24)`` is once a
    county day, ``Every(6)`` at 00:00, 06:00, 12:00 and 18:00 county time; an ``hours`` that
    does not divide 24 runs on from 1970-01-01 00:00 county time across days)."""

    hours: int

    def __post_init__(self) -> None:
        if self.hours < 1:
            raise ValueError("Every needs at least one hour")

    def latest(self, now: dt.datetime) -> Due:
        step = self.hours * 3600
        local = now.timestamp() + _OFFSET.total_seconds()
        start = dt.datetime.fromtimestamp(local - local % step, dt.UTC) - _OFFSET
        return Due(period=start.astimezone(SHANGHAI).isoformat(timespec="minutes"), at=start)


@dataclass(frozen=True)
class Weekly:
    """Once an ISO week, on ``weekday`` (0 = Monday) at ``at`` county time; the period is the
    week it falls in (``2026-W49``)."""

    weekday: int
    at: dt.time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday is 0 (Monday) to 6 (Sunday)")

    def latest(self, now: dt.datetime) -> Due:
        local = now.astimezone(SHANGHAI)
        monday = local.date() - dt.timedelta(days=local.weekday())
        due = dt.datetime.combine(monday + dt.timedelta(days=self.weekday), self.at, SHANGHAI)
        if due > local:
            due -= dt.timedelta(weeks=1)
        year, week, _ = due.isocalendar()
        return Due(period=f"{year}-W{week:02d}", at=due.astimezone(dt.UTC))
