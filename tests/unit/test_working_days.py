"""Working days across 春节 2026, with its 调休 Saturdays, on the shipped national calendar."""

from __future__ import annotations

import datetime as dt

from server.calendar.national import NATIONAL
from server.calendar.rules import WorkCalendar


def _national(*years: int) -> WorkCalendar:
    return WorkCalendar(
        frozenset(d for y in years for d in NATIONAL[y].holidays),
        frozenset(d for y in years for d in NATIONAL[y].workdays),
    )


D = dt.date
CAL = _national(2026, 2027)


def test_spring_festival_2026_holidays_and_swapped_saturdays() -> None:
    # Friday before, then 调休 Saturday 2/14, nine days off 2/15–2/23 (a Monday), back on 2/24.
    assert [CAL.is_working_day(D(2026, 2, d)) for d in range(13, 25)] == [
        True,  # Fri 13
        True,  # Sat 14: 调休上班
        *[False] * 9,  # Sun 15 – Mon 23
        True,  # Tue 24
    ]
    assert CAL.is_working_day(D(2026, 2, 28))  # Saturday, worked
    assert not CAL.is_working_day(D(2026, 3, 1))  # an ordinary Sunday
    assert CAL.is_working_day(D(2026, 1, 4))  # Sunday after 元旦, worked
    assert not CAL.is_working_day(D(2026, 10, 7)) and CAL.is_working_day(D(2026, 10, 10))


def test_seven_working_days_across_the_festival() -> None:
    # From Thursday 2/12: 13, 14 (Sat), 24, 25, 26, 27, 28 (Sat).
    assert CAL.add_working_days(D(2026, 2, 12), 7) == D(2026, 2, 28)
    # A plain week elsewhere skips the weekend.
    assert CAL.add_working_days(D(2026, 3, 5), 7) == D(2026, 3, 16)
    # The day after the swapped Saturday is ten days on.
    assert CAL.add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)
    # Zero days: the day itself, or the next working day when it is off.
    assert CAL.add_working_days(D(2026, 2, 16), 0) == D(2026, 2, 24)
    assert CAL.add_working_days(D(2026, 2, 24), 0) == D(2026, 2, 24)


def test_working_days_between_counts_only_working_days() -> None:
    assert CAL.working_days_between(D(2026, 2, 13), D(2026, 2, 24)) == 2
    assert CAL.working_days_between(D(2026, 2, 24), D(2026, 2, 13)) == 0


def test_2027_is_provisional_and_invents_no_swapped_day() -> None:
    assert NATIONAL[2027].provisional and not NATIONAL[2026].provisional
    assert NATIONAL[2027].workdays == {}
    assert not CAL.is_working_day(D(2027, 1, 1)) and not CAL.is_working_day(D(2027, 10, 1))
    # Every 调休 day shipped for 2026 is a weekend day, every holiday lies in its year.
    assert all(d.weekday() >= 5 for d in NATIONAL[2026].workdays)
    assert all(d.year == 2026 for d in NATIONAL[2026].holidays)


def test_a_calendar_with_no_working_day_stops() -> None:
    start = D(2026, 1, 1)
    every_day = frozenset(start + dt.timedelta(days=i) for i in range(3 * 366 + 10))
    try:
        WorkCalendar(holidays=every_day).add_working_days(start, 1)
    except ValueError:
        return
    raise AssertionError("walked for ever")
