"""The working-day calendar of one year, as admins read and correct it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec


class CalendarDayIO(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    day: dt.date
    #: False: a public holiday; True: a weekend day worked instead (调休上班).
    working: bool = False
    #: The holiday it belongs to (春节, 国庆节, ...).
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=30)]


class CalendarYearIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    days: Annotated[list[CalendarDayIO], msgspec.Meta(max_length=200)]
    #: Still waiting for the State Council's notice.
    provisional: bool = False


class CalendarYearOut(msgspec.Struct, kw_only=True):
    year: int
    #: "admin" once an admin saved it, "national" for the shipped data, "none" for weekends only.
    source: str
    provisional: bool
    updated_at: dt.datetime | None
    days: list[CalendarDayIO]
