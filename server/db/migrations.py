"""Helpers for migrations: hand-written SQL ones, and one process migrating at a time."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import AsyncIterator, Sequence
from typing import Any

from piccolo.engine.sqlite import SQLiteEngine

from server.db.turns import engine

#: PostgreSQL advisory lock key held while migrating (any constant; "zoufang" in ASCII).
_MIGRATION_LOCK = 0x7A6F7566616E67


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


@contextlib.asynccontextmanager
async def migration_lock() -> AsyncIterator[None]:
    """Held while migrations run, so server processes starting together on a database with
    pending migrations (several hosts after an upgrade) apply them once, one after another,
    instead of racing to create the same tables. PostgreSQL: an advisory lock on a connection
    of its own; SQLite: a lock on a file beside the database."""
    db: Any = engine()
    if isinstance(db, SQLiteEngine):
        path = f"{db.path}.migrating"
        lock = await asyncio.to_thread(os.open, path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            await asyncio.to_thread(fcntl.flock, lock, fcntl.LOCK_EX)
            yield
        finally:
            os.close(lock)  # which releases the lock
        return
    import asyncpg

    connection = await asyncpg.connect(db.config["dsn"])
    try:
        await connection.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
        yield
    finally:
        await connection.close()  # which releases the lock
