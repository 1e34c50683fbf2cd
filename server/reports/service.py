"""The weekly summary (周报) of a reviewer's area, as ``../shared/domain.md`` defines it.

ISO weeks, Monday to Sunday, Asia/Shanghai. **Only approved records count**: visits, coverage and
demands come from approved visits of the campaign, inspections from approved inspections.
Figures "this week" count what happened in the week; cumulative ones run from the campaign's
start to the week's end, and overdue counts are taken at the week's last day (today, while the
week is still going). The database computes the counts (``queries``); ``figures`` turns them
into the tables.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass

from server.accounts.schemas import CurrentUser
from server.accounts.scope import SUBTREE_ROLES
from server.db import county_today, utcnow
from server.errors import ApiError, forbidden
from server.reports import figures, queries
from server.reports.schemas import WeeklySummary

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


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
    """The ISO week a day falls in, written "2026-W47"."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Area:
    """The unit whose subtree a summary covers."""

    unit_id: uuid.UUID
    unit_path: str
    unit_name: str

    @classmethod
    def of(cls, user: CurrentUser) -> Area:
        """A reviewer's area: their unit's subtree."""
        return cls(user.org_unit_id, user.org_unit_path, user.org_unit_name)

    def ancestor_ids(self) -> list[uuid.UUID]:
        """The unit and every unit above it (where campaigns apply from)."""
        return [uuid.UUID(part) for part in self.unit_path.strip("/").split("/") if part]


async def weekly_summary(
    user: CurrentUser, week: str, campaign_id: uuid.UUID | None = None
) -> WeeklySummary:
    """The summary of ``week`` for a supervisor's or admin's subtree; the campaign asked for,
    else the talent campaign running that week (cumulative figures count from its start)."""
    if user.role not in SUBTREE_ROLES:
        raise forbidden("weekly summaries are for supervisors and admins")
    return await area_summary(Area.of(user), week, campaign_id)


async def area_summary(
    area: Area, week: str, campaign_id: uuid.UUID | None = None
) -> WeeklySummary:
    """The summary of ``week`` for a unit's subtree (see :func:`weekly_summary`)."""
    monday, sunday = week_span(week)
    today = county_today()
    if monday > today:
        raise ApiError(400, "report.future_week", "this week has not begun yet")
    campaign = await queries.campaign(area.unit_path, area.ancestor_ids(), campaign_id, monday)
    if campaign_id is not None and campaign is None:
        raise ApiError(404, "not_found", "no such campaign in your area")
    townships = await queries.townships(area.unit_path)
    if not townships:  # a unit below the townships: one row, for it
        townships = [{"id": area.unit_id, "name": area.unit_name, "path": area.unit_path}]
    scope = queries.Scope(
        unit_path=area.unit_path,
        campaign_id=campaign["id"] if campaign else None,
        start=campaign["starts_on"] if campaign else dt.date(monday.year, 1, 1),
        monday=monday,
        sunday=sunday,
        as_of=min(today, sunday),
        township_ids=tuple(t["id"] for t in townships),
    )
    visits = await queries.visit_figures(scope)
    demands = await queries.demand_figures(scope)
    roster = await queries.roster_figures(scope)
    overview = figures.overview(visits, demands, roster)
    sections = [
        figures.overview_section(overview),
        figures.township_section(townships, visits, demands, roster),
        figures.handler_section(demands),
        figures.visitor_section(await queries.by_visitor(scope)),
        figures.category_section(demands),
        figures.overdue_section(await queries.overdue_rows(scope), scope.as_of),
        figures.inspection_section(await queries.inspection_counts(scope)),
    ]
    return WeeklySummary(
        week=iso_week(monday),
        starts_on=monday,
        ends_on=sunday,
        as_of=scope.as_of,
        unit_name=await queries.unit_name(area.unit_id) or area.unit_name,
        campaign_id=campaign["id"] if campaign else None,
        campaign_name=campaign["name"] if campaign else "",
        campaign_starts_on=scope.start if campaign else None,
        generated_at=utcnow(),
        overview=overview,
        sections=sections,
    )
