"""The working-day calendar: due dates, "seven working days", overdue and reports count with it.

Each year is what an admin saved, or else the national calendar shipped in
``server.calendar.national``, or else plain Monday-to-Friday.
"""

from __future__ import annotations

import datetime as dt

from server.accounts.schemas import CurrentUser
from server.audit import repository as audit
from server.calendar.national import NATIONAL
from server.calendar.rules import WorkCalendar
from server.calendar.schemas import CalendarDayIO, CalendarYearIn, CalendarYearOut
from server.calendar.tables import CalendarDay, CalendarYear
from server.db import transaction, utcnow
from server.errors import ApiError

#: Years the calendar holds.
YEARS = range(2000, 2101)


def _valid_year(year: int) -> None:
    if year not in YEARS:
        raise ApiError(400, "calendar.year_invalid", f"年份应在 {YEARS[0]} 至 {YEARS[-1]} 之间")


async def get_year(year: int) -> CalendarYearOut:
    """One year as the API shows it (an unknown year is refused)."""
    _valid_year(year)
    return await year_days(year)


async def year_days(year: int) -> CalendarYearOut:
    """One year's exceptions to the Monday-to-Friday week, and where they come from."""
    stored = await CalendarYear.select().where(CalendarYear.year == year).first()
    if stored is not None:
        rows = await CalendarDay.select().where(CalendarDay.year == year).order_by(CalendarDay.day)
        return CalendarYearOut(
            year=year,
            source="admin",
            provisional=stored["provisional"],
            updated_at=stored["updated_at"],
            days=[CalendarDayIO(day=r["day"], working=r["working"], name=r["name"]) for r in rows],
        )
    national = NATIONAL.get(year)
    if national is None:
        return CalendarYearOut(year=year, source="none", provisional=True, updated_at=None, days=[])
    days = [CalendarDayIO(day=d, working=False, name=n) for d, n in national.holidays.items()]
    days += [CalendarDayIO(day=d, working=True, name=n) for d, n in national.workdays.items()]
    return CalendarYearOut(
        year=year,
        source="national",
        provisional=national.provisional,
        updated_at=None,
        days=sorted(days, key=lambda d: d.day),
    )


async def calendar(first: dt.date, last: dt.date) -> WorkCalendar:
    """The calendar covering ``first`` to ``last`` (a year either side, for walks past the end)."""
    holidays: set[dt.date] = set()
    workdays: set[dt.date] = set()
    for year in range(first.year - 1, last.year + 2):
        for d in (await year_days(year)).days:
            (workdays if d.working else holidays).add(d.day)
    return WorkCalendar(frozenset(holidays), frozenset(workdays))


async def is_working_day(day: dt.date) -> bool:
    """Is ``day`` a working day in the county?"""
    return (await calendar(day, day)).is_working_day(day)


async def add_working_days(start: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``start`` (e.g. a due date seven working days out)."""
    # Long holidays are at most about two weeks: the year after covers any walk of this size.
    return (await calendar(start, start + dt.timedelta(days=2 * n + 30))).add_working_days(start, n)


def _checked(year: int, data: CalendarYearIn) -> None:
    seen: set[dt.date] = set()
    for d in data.days:
        if d.day.year != year:
            raise ApiError(
                400,
                "calendar.wrong_year",
                f"{d.day.isoformat()} 不在 {year} 年内",
                {"day": d.day.isoformat()},
            )
        if d.day in seen:
            raise ApiError(
                400,
                "calendar.duplicate_day",
                f"{d.day.isoformat()} 出现了两次",
                {"day": d.day.isoformat()},
            )
        seen.add(d.day)
        if d.working and d.day.weekday() < 5:
            raise ApiError(
                400,
                "calendar.workday_not_weekend",
                f"调休上班日 {d.day.isoformat()} 应是周六或周日",
                {"day": d.day.isoformat()},
            )


async def save_year(year: int, data: CalendarYearIn, user: CurrentUser, ip: str) -> CalendarYearOut:
    """Replace one year's holidays and 调休 days (admins), audited, all or nothing."""
    _valid_year(year)
    _checked(year, data)
    now = utcnow()
    async with transaction():
        await CalendarDay.delete().where(CalendarDay.year == year)
        await CalendarYear.delete().where(CalendarYear.year == year)
        await CalendarYear.insert(
            CalendarYear(
                year=year, provisional=data.provisional, updated_at=now, updated_by=user.id
            )
        )
        if data.days:
            await CalendarDay.insert(
                *(
                    CalendarDay(day=d.day, year=year, working=d.working, name=d.name)
                    for d in data.days
                )
            )
        await audit.record(
            "calendar.save",
            actor_id=user.id,
            entity="calendar_year",
            entity_id=str(year),
            details={
                "holidays": sum(not d.working for d in data.days),
                "workdays": sum(d.working for d in data.days),
                "provisional": data.provisional,
            },
            ip=ip,
        )
    return await year_days(year)
