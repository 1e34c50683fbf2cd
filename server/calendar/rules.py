"""Working-day arithmetic on a calendar of exceptions to the Monday-to-Friday week (pure)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

#: A bound on the days walked, so a calendar marked all holidays cannot loop for ever.
_MAX_WALK = 3 * 366


@dataclass(frozen=True)
class WorkCalendar:
    """Holidays (放假, weekdays included) and 调休 working days (weekend days worked)."""

    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    workdays: frozenset[dt.date] = field(default_factory=frozenset)

    def is_working_day(self, day: dt.date) -> bool:
        """A 调休 day is worked; a holiday is not; otherwise Monday to Friday."""
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``start`` (``start`` itself not counted); ``n`` = 0 is
        ``start`` if it is a working day, else the next one."""
        day, left = start, n
        if n == 0:
            while not self.is_working_day(day):
                day = self._step(day, start)
            return day
        while left > 0:
            day = self._step(day, start)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end`` ≤ ``start``)."""
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_working_day(day)
        return count

    @staticmethod
    def _step(day: dt.date, start: dt.date) -> dt.date:
        if (day - start).days > _MAX_WALK:
            raise ValueError("no working day within three years: check the calendar")
        return day + dt.timedelta(days=1)
