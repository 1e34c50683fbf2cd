"""Time and ids the server mints: the only clock anything is ordered by."""

from __future__ import annotations

import datetime as dt
import uuid

from uuid_utils.compat import uuid7 as _uuid7

SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


def new_id() -> uuid.UUID:
    """An id for a row the server itself creates (a demand event, a photo link, a conflict, an
    audit entry): a UUIDv7, which starts with the time, so a batch's new rows go to the end of
    their primary-key index instead of dirtying a random page of it per row as random (v4) ids
    do; a synced record keeps the id its device gave it."""
    return _uuid7()


def utcnow() -> dt.datetime:
    """The server's clock; the only clock anything is ordered by."""
    return dt.datetime.now(dt.UTC)


def county_today() -> dt.date:
    """Today's date in the county (Asia/Shanghai), which due dates and weeks are counted in."""
    return utcnow().astimezone(SHANGHAI).date()
