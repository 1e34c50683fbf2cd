"""Database plumbing shared by every domain: column mixins, transactions, time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import msgspec
from piccolo.columns import (
    UUID,
    BigInt,
    Integer,
    Timestamptz,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.engine import engine_finder
from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


def utcnow() -> dt.datetime:
    """The server's clock; the only clock anything is ordered by."""
    return dt.datetime.now(dt.UTC)


def engine() -> Engine:
    db = engine_finder()
    if db is None:  # pragma: no cover - misconfiguration
        raise RuntimeError("piccolo engine not configured (PICCOLO_CONF)")
    return db


def transaction() -> Any:
    """A write transaction. On SQLite it is IMMEDIATE so read-then-write never deadlocks."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        return db.transaction(transaction_type=TransactionType.immediate)
    return db.transaction()


async def use_write_ahead_log() -> None:
    """Put a SQLite database in WAL mode (it stays so; PostgreSQL needs nothing).

    Readers (pulls, lists) then never wait for a push's write transaction, and a commit is one
    append to the log. Durability is unchanged: ``synchronous`` stays FULL, so the log is
    synced before a commit returns, and a push the server acknowledged survives a power cut.
    """
    db = engine()
    if isinstance(db, SQLiteEngine):
        await db.run_ddl("PRAGMA journal_mode=WAL")


def sql_migration(
    migration_id: str, description: str, forwards: Sequence[str], backwards: Sequence[str]
) -> Any:
    """A piccolo migration made of plain SQL statements that run on SQLite and PostgreSQL
    alike (for what piccolo cannot declare, such as composite unique keys)."""
    from piccolo.apps.migrations.auto.migration_manager import MigrationManager

    manager = MigrationManager(
        migration_id=migration_id, app_name="zoufang", description=description
    )

    async def run(statements: Sequence[str]) -> None:
        for sql in statements:
            await engine().run_ddl(sql)

    async def run_forwards() -> None:
        await run(forwards)

    async def run_backwards() -> None:
        await run(backwards)

    manager.add_raw(run_forwards)
    manager.add_raw_backwards(run_backwards)
    return manager


def is_postgres() -> bool:
    return not isinstance(engine(), SQLiteEngine)


def json_load(value: Any) -> Any:
    """JSON columns come back as text on SQLite and sometimes on PostgreSQL."""
    if isinstance(value, str | bytes):
        return msgspec.json.decode(value) if value else None
    return value


class Timestamped:
    """created/updated times, set by the server."""

    #: When the server first stored the row.
    created_at = Timestamptz(default=TimestamptzNow())
    #: When the server last changed the row.
    updated_at = Timestamptz(default=TimestamptzNow())


class Synced(Timestamped):
    """A table that phones edit offline.

    The primary key is made on the phone (a UUID) so a record has the same name before and after
    sync; ``version`` is bumped by the server on every write and is what an edit's
    ``base_version`` names; ``change_seq`` is the server-wide change counter value of the last
    write, which pull pages by; deletion is soft so it can travel as a tombstone.
    """

    id = UUID(primary_key=True)
    #: Bumped by the server on every write; offline edits name the version they started from.
    version = Integer(default=1)
    #: Server-wide change counter at the last write (see server.sync).
    change_seq = BigInt(default=0, index=True)
    #: Soft delete: set instead of removing the row, so deletions sync as tombstones.
    deleted_at = Timestamptz(null=True, default=None)
