"""A push's rows are encoded for the driver a column at a time; on SQLite the text must be
exactly what piccolo's adapters store, or lookups by id and date would miss the rows."""

from __future__ import annotations

import datetime as dt
import uuid

from piccolo.engine.sqlite import convert_date_in, convert_datetime_in, convert_uuid_in

from server.db.bulk import _parameters

NAMES = ("id", "day", "at", "data", "note", "other")
JSON_AT = ((3, False),)
TIME_AT = (2,)


def _rows() -> list[dict[str, object]]:
    ids = [uuid.uuid4() for _ in range(3)]
    now = dt.datetime(2026, 1, 5, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return [
        {
            "id": ids[0],
            "day": dt.date(2026, 1, 5),
            "at": now,
            "data": None,
            "note": "文",
            "other": None,
        },
        {
            "id": ids[1],
            "day": dt.date(2025, 12, 31),
            "at": None,
            "data": {"a": [1]},
            "note": "b",
            "other": ids[2],
        },
    ]


def test_on_sqlite_uuids_dates_and_times_become_the_adapters_text() -> None:
    rows = _rows()
    out = _parameters(rows, NAMES, JSON_AT, TIME_AT, "sqlite")
    first, second = rows
    assert out == [
        (
            convert_uuid_in(first["id"]),
            convert_date_in(first["day"]),
            convert_datetime_in(first["at"]),
            "null",
            "文",
            None,
        ),
        # The first row decides which columns are converted: a UUID elsewhere stays for the
        # driver's adapter, which stores the same text.
        (convert_uuid_in(second["id"]), "2025-12-31", None, '{"a":[1]}', "b", second["other"]),
    ]


def test_on_postgresql_only_json_becomes_text() -> None:
    rows = _rows()
    out = _parameters(rows, NAMES, JSON_AT, TIME_AT, "postgres")
    first, second = rows
    assert out == [
        (first["id"], first["day"], first["at"], "null", "文", None),
        (second["id"], second["day"], None, '{"a":[1]}', "b", second["other"]),
    ]
