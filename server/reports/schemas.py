"""The weekly summary (周报) as the API and the exports carry it."""

from __future__ import annotations

import datetime as dt
from typing import Any

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
    campaign_starts_on: dt.date | None
    generated_at: dt.datetime
    #: The overview figures by name (visits, coverage_rate, closure_rate, ...), for the screen.
    overview: dict[str, float | int | None]
    sections: list[Section]
