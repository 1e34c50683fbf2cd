"""Bulk SQL on the current transaction's connection: many rows in one statement.

A push writes and reads hundreds of rows per batch. Building a piccolo query object per row (or
per value of an ``IN`` list) costs more than the database's own work, so these helpers go
straight to the driver (``executemany``, one ``SELECT`` per 500 keys) inside a transaction and
fall back to piccolo outside one.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Sequence
from typing import Any

import msgspec
from piccolo.columns import JSON, Timestamp, Timestamptz
from piccolo.table import Table


async def insert_many(table: type[Table], rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows (column name → value; every row the same columns) in bulk.

    Inside a transaction this goes straight to the driver's ``executemany`` on the
    transaction's connection: building a piccolo query object per row costs more than the
    database does when a push brings hundreds of records. JSON columns take Python values or
    JSON text; ``None`` in a JSON column that is not nullable is stored as JSON ``null``.
    """
    if not rows:
        return
    db: Any = table._meta.db
    if db.current_transaction.get() is None:
        await table.insert(*[table(**row) for row in rows])
        return
    names = tuple(rows[0])
    sql, json_at, time_at = _insert_sql(table, names)
    await execute_many(table, sql, _parameters(rows, names, json_at, time_at, db.engine_type))


def _parameters(
    rows: Sequence[dict[str, Any]],
    names: tuple[str, ...],
    json_at: tuple[tuple[int, bool], ...],
    time_at: tuple[int, ...],
    engine_type: str,
) -> list[tuple[Any, ...]]:
    """The driver's parameter rows, encoded a column at a time: JSON values to text (``None``
    as JSON ``null`` where the column is not nullable), and on SQLite times, UUIDs and dates
    to the text piccolo's adapters store. Left to the driver, each UUID or date would be a
    Python adapter call from its thread, holding the GIL: for the 17 UUIDs a pushed record
    carries that was about 20 µs of the 45 µs its inserts took."""
    columns: list[list[Any]] = [[row[name] for row in rows] for name in names]
    for i, nullable in json_at:
        null = None if nullable else "null"
        columns[i] = [
            null if v is None else v if type(v) is str else _json_encode(v).decode()
            for v in columns[i]
        ]
    if engine_type == "sqlite":
        for i in time_at:
            columns[i] = _times_as_text(columns[i])
        for i, column in enumerate(columns):
            if type(column[0]) in _AS_JSON_TEXT:
                columns[i] = _json_decode(_json_encode(column))
    return list(zip(*columns, strict=True))


#: Types whose JSON text (msgspec's) is the text piccolo's SQLite adapters store. A column is
#: converted when its first value is one; such a value elsewhere is left to the adapter.
_AS_JSON_TEXT = (uuid.UUID, dt.date)


def _times_as_text(column: list[Any]) -> list[Any]:
    """Times as piccolo stores them on SQLite (``str()`` in UTC), each distinct one converted
    once: a batch's rows mostly share the server's ``now``."""
    texts: dict[dt.datetime, str] = {}
    out = []
    last: Any = None
    last_text: Any = None
    for value in column:
        if value is last:  # the common case: the same object as the row before
            out.append(last_text)
            continue
        last = value
        if isinstance(value, dt.datetime):
            text = texts.get(value)
            if text is None:
                text = texts[value] = str(value.astimezone(dt.UTC) if value.tzinfo else value)
            value = text
        last_text = value
        out.append(value)
    return out


async def update_many(table: type[Table], rows: Sequence[dict[str, Any]], key: str = "id") -> None:
    """Update rows (column name → value, ``key`` naming each row; every row the same columns)
    with one statement run for all of them, on the current transaction's connection."""
    if not rows:
        return
    db: Any = table._meta.db
    names = (*(n for n in rows[0] if n != key), key)
    _, json_at, time_at = _insert_sql(table, names)
    sets = ", ".join(f'"{n}" = ?' for n in names[:-1])
    sql = f'UPDATE "{table._meta.tablename}" SET {sets} WHERE "{key}" = ?'
    await execute_many(table, sql, _parameters(rows, names, json_at, time_at, db.engine_type))


async def select_in(
    table: type[Table], columns: tuple[str, ...], key: str, values: Sequence[Any]
) -> list[dict[str, Any]]:
    """Rows of ``table`` whose ``key`` is one of ``values`` (column name → value).

    Inside a transaction this is one plain statement per 500 values on the transaction's
    connection: piccolo builds and converts a query argument per value, which costs more than
    the lookup when a push names hundreds of records. Columns come back as the driver returns
    them (on SQLite, UUIDs and times with piccolo's converters).
    """
    if not values:
        return []
    db: Any = table._meta.db
    tx = db.current_transaction.get()
    if tx is None:
        selected = [table._meta.get_column_by_name(c) for c in columns]
        where = table._meta.get_column_by_name(key).is_in(list(values))
        return list(await table.select(*selected).where(where))
    names = ", ".join(f'"{c}"' for c in columns)
    head = f'SELECT {names} FROM "{table._meta.tablename}" WHERE "{key}"'
    rows: list[dict[str, Any]] = []
    for start in range(0, len(values), 500):
        chunk = list(values[start : start + 500])
        if db.engine_type == "postgres":
            rows += map(dict, await tx.connection.fetch(f"{head} = ANY($1)", chunk))
        else:
            marks = ", ".join("?" * len(chunk))
            if type(chunk[0]) in _AS_JSON_TEXT:  # as text in bulk, not an adapter call each
                chunk = _json_decode(_json_encode(chunk))
            rows += await tx.connection.execute_fetchall(f"{head} IN ({marks})", chunk)
    return rows


async def execute_many(table: type[Table], sql: str, values: Sequence[Sequence[Any]]) -> None:
    """Run one statement for many parameter rows on the current transaction's connection.

    ``sql`` uses ``?`` placeholders; they become ``$1, $2, ...`` on PostgreSQL.
    """
    db: Any = table._meta.db
    tx = db.current_transaction.get()
    assert tx is not None, "execute_many runs inside a transaction"
    if db.engine_type == "postgres":
        sql = _numbered(sql)
    await tx.connection.executemany(sql, values)


@functools.cache
def _numbered(sql: str) -> str:
    parts = sql.split("?")
    return "".join(f"{p}${i}" for i, p in enumerate(parts[:-1], 1)) + parts[-1]


@functools.cache
def _insert_sql(
    table: type[Table], names: tuple[str, ...]
) -> tuple[str, tuple[tuple[int, bool], ...], tuple[int, ...]]:
    """The INSERT for these columns, (position, nullable) of each JSON column in it, and the
    positions of its timestamp columns."""
    json_columns = {c._meta.name: c._meta.null for c in table._meta.columns if isinstance(c, JSON)}
    times = {c._meta.name for c in table._meta.columns if isinstance(c, Timestamptz | Timestamp)}
    quoted = ", ".join(f'"{n}"' for n in names)
    marks = ", ".join("?" * len(names))
    sql = f'INSERT INTO "{table._meta.tablename}" ({quoted}) VALUES ({marks})'
    json_at = tuple((i, json_columns[n]) for i, n in enumerate(names) if n in json_columns)
    return sql, json_at, tuple(i for i, n in enumerate(names) if n in times)


_json_encode = msgspec.json.Encoder().encode
_json_decode = msgspec.json.Decoder().decode
