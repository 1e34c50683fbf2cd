"""The national holiday calendar as shipped data, for admins to correct per year.

2026: 国务院办公厅关于2026年部分节假日安排的通知 (4 November 2025), as published by Xinhua.
2027: no notice was available when this was written, so only the holidays on fixed solar dates
(元旦 1 day, 劳动节 2 days, 国庆节 3 days, per the 2025 holiday regulations) are loaded; the lunar
holidays (春节, 清明节, 端午节, 中秋节) and every 调休 day are missing. The year is marked
provisional until an admin enters the State Council's notice (PUT /api/calendar/2027).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class NationalYear:
    """One year as shipped: holidays and 调休 working days, each with its holiday's name."""

    holidays: dict[dt.date, str]
    workdays: dict[dt.date, str]
    provisional: bool


def _span(name: str, first: dt.date, last: dt.date) -> dict[dt.date, str]:
    return {first + dt.timedelta(days=i): name for i in range((last - first).days + 1)}


def _d(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, day)


NATIONAL: dict[int, NationalYear] = {
    2026: NationalYear(
        holidays={
            **_span("元旦", _d(2026, 1, 1), _d(2026, 1, 3)),
            **_span("春节", _d(2026, 2, 15), _d(2026, 2, 23)),
            **_span("清明节", _d(2026, 4, 4), _d(2026, 4, 6)),
            **_span("劳动节", _d(2026, 5, 1), _d(2026, 5, 5)),
            **_span("端午节", _d(2026, 6, 19), _d(2026, 6, 21)),
            **_span("中秋节", _d(2026, 9, 25), _d(2026, 9, 27)),
            **_span("国庆节", _d(2026, 10, 1), _d(2026, 10, 7)),
        },
        workdays={
            _d(2026, 1, 4): "元旦",
            _d(2026, 2, 14): "春节",
            _d(2026, 2, 28): "春节",
            _d(2026, 5, 9): "劳动节",
            _d(2026, 9, 20): "国庆节",
            _d(2026, 10, 10): "国庆节",
        },
        provisional=False,
    ),
    2027: NationalYear(
        holidays={
            _d(2027, 1, 1): "元旦",
            **_span("劳动节", _d(2027, 5, 1), _d(2027, 5, 2)),
            **_span("国庆节", _d(2027, 10, 1), _d(2027, 10, 3)),
        },
        workdays={},
        provisional=True,
    ),
}
