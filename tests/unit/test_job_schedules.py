"""Schedules name the same occurrence in every process, counted in county time."""

from __future__ import annotations

import datetime as dt

import pytest

from server.db import SHANGHAI
from server.jobs import Every, Weekly


def county(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def test_every_n_hours_counts_slots_from_county_midnight() -> None:
    daily = Every(24)
    # 07:59 UTC on 1 December is 15:59 in the county: the county day began at 16:00 UTC before.
    due = daily.latest(dt.datetime(2026, 12, 1, 7, 59, tzinfo=dt.UTC))
    assert due.period == "2026-12-01T00:00+08:00"
    assert due.at == county(2026, 12, 1)
    # 16:00 UTC is county midnight: the next day's slot.
    assert daily.latest(dt.datetime(2026, 12, 1, 16, 0, tzinfo=dt.UTC)).period == (
        "2026-12-02T00:00+08:00"
    )
    six = Every(6)
    assert six.latest(county(2026, 12, 1, 17, 59)).period == "2026-12-01T12:00+08:00"
    assert six.latest(county(2026, 12, 1, 18, 0)).period == "2026-12-01T18:00+08:00"
    with pytest.raises(ValueError):
        Every(0)


def test_weekly_is_due_from_its_weekday_and_time_and_named_by_iso_week() -> None:
    monday_seven = Weekly(0, dt.time(7, 0))
    # Monday 30 November 2026 is in ISO week 49.
    due = monday_seven.latest(county(2026, 11, 30, 7, 0))
    assert (due.period, due.at) == ("2026-W49", county(2026, 11, 30, 7, 0))
    assert monday_seven.latest(county(2026, 12, 6, 23, 59)).period == "2026-W49"
    # Before 07:00 on Monday the latest occurrence is last week's.
    assert monday_seven.latest(county(2026, 11, 30, 6, 59)).period == "2026-W48"
    # Across the year: Monday 4 January 2027 opens 2027-W01; Friday 1 January is 2026-W53.
    assert monday_seven.latest(county(2027, 1, 4, 8, 0)).period == "2027-W01"
    assert monday_seven.latest(county(2027, 1, 1, 8, 0)).period == "2026-W53"
    sunday_night = Weekly(6, dt.time(22, 30))
    assert sunday_night.latest(county(2026, 12, 6, 22, 30)).period == "2026-W49"
    assert sunday_night.latest(county(2026, 12, 6, 22, 29)).period == "2026-W48"
    with pytest.raises(ValueError):
        Weekly(7, dt.time(0, 0))
