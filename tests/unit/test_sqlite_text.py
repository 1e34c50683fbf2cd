"""Values a push inserts on SQLite are turned into text in bulk; the text must be exactly what
piccolo's adapters store, or lookups by id would miss the rows."""

from __future__ import annotations

import datetime as dt
import uuid

from piccolo.engine.sqlite import convert_date_in, convert_uuid_in

from server.sync.unit import _as_sqlite_text


def test_uuids_and_dates_become_the_adapters_text_and_nothing_else_changes() -> None:
    ids = [uuid.uuid4() for _ in range(3)]
    day = dt.date(2026, 1, 5)
    now = dt.datetime(2026, 1, 5, 8, 30, tzinfo=dt.UTC)
    rows = [
        (ids[0], day, "text", 3, None, now),
        (ids[1], dt.date(2025, 12, 31), "更多", 4, ids[2], now),
    ]
    out = _as_sqlite_text(rows)
    assert out == [
        (convert_uuid_in(ids[0]), convert_date_in(day), "text", 3, None, now),
        # The first row decides which columns are converted: a UUID elsewhere stays for the
        # driver's adapter, which stores the same text.
        (convert_uuid_in(ids[1]), "2025-12-31", "更多", 4, ids[2], now),
    ]


def test_rows_without_such_values_are_returned_as_they_are() -> None:
    rows = [("a", 1), ("b", 2)]
    assert _as_sqlite_text(rows) is rows
