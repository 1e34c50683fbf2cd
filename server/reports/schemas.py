"""The weekly summary (周报) as the API and the exports carry it."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

import msgspec


class Section(msgspec.Struct, kw_only=True):
    """One table of the summary: a title, Chinese column headers, and rows of values
    (numbers stay numbers; a rate is a fraction from 0 to 1, or None when nothing to divide)."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    #: Columns that hold rates (shown as percentages).
    percent_columns: list[int] = []


class WeeklySummary(msgspec.Struct, kw_only=True):
    #: ISO week, e.g. "2026-W47": Monday to Sunday, Asia/Shanghai.
    week: str
    starts_on: dt.date
    ends_on: dt.date
    #: The day the cumulative figures and overdue counts are taken at (the week's last day,
    #: or today while the week is still going).
    as_of: dt.date
    unit_name: str
    campaign_name: str
    #: The campaign the cumulative figures count from (None: from 1 January).
    campaign_id: UUID | None = None
    campaign_starts_on: dt.date | None
    generated_at: dt.datetime
    #: The overview figures by name (visits, coverage_rate, closure_rate, ...), for the screen.
    overview: dict[str, float | int | None]
    sections: list[Section]


class StoredReportOut(msgspec.Struct, kw_only=True):
    """One stored summary in the history (its files are downloaded one by one)."""

    id: UUID
    unit_id: UUID
    unit_name: str
    #: ``week``
    period_kind: str
    #: e.g. ``2026-W47``
    period: str
    starts_on: dt.date
    ends_on: dt.date
    campaign_name: str
    generated_at: dt.datetime
    #: Who asked for it; None when the schedule made it.
    generated_by: str | None
    #: The overview figures (visits, coverage_rate, …), for the list and the trend.
    overview: dict[str, float | int | None]


class GenerateIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Store a week's summary of the caller's area now."""

    week: str
    campaign_id: UUID | None = None
