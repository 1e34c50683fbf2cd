"""The working-day calendar: per year, the public holidays and the 调休 weekend working days."""

from piccolo.columns import Boolean, Date, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from server.accounts.tables import User


class CalendarYear(Table, tablename="calendar_year"):
    """A year an admin has set; a year not stored falls back to the shipped national calendar."""

    year = Integer(unique=True)
    #: Not yet confirmed against the State Council's notice for that year.
    provisional = Boolean(default=False)
    updated_at = Timestamptz()
    updated_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)


class CalendarDay(Table, tablename="calendar_day"):
    """A day that departs from the Monday-to-Friday rule: a holiday, or a 调休 working day."""

    day = Date(unique=True)
    year = Integer(index=True)
    #: False: a public holiday (放假); True: a weekend day worked instead (调休上班).
    working = Boolean(default=False)
    #: The holiday it belongs to (春节, 国庆节, ...).
    name = Varchar(length=30, default="")
