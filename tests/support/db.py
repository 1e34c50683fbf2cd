"""Fresh-state helpers: migrate and seed the demo county once; then each test runs inside one
transaction that is rolled back (:func:`rolled_back`), or, if it needs real commits (other
connections or processes, concurrent requests), the county is restored after it (:func:`restore`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from types import TracebackType
from typing import Any

from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.table import Table

from server.cli import migrate
from server.db import engine, is_postgres
from server.demo import seed
from server.piccolo_app import APP_CONFIG

Snapshot = dict[type[Table], list[dict[str, Any]]]


def _tables() -> list[type[Table]]:
    """Every table, parents before children (the order APP_CONFIG lists them)."""
    return list(APP_CONFIG.table_classes)


async def prepare() -> Snapshot:
    await engine().start_connection_pool(min_size=1, max_size=10)  # type: ignore[attr-defined]
    await migrate()
    await wipe()
    await seed()
    snapshot: Snapshot = {}
    for table in _tables():
        query = table.select()
        if table._meta.tablename == "org_unit":
            rows = sorted(await query, key=lambda r: len(r["path"]))
        else:
            rows = await query
        snapshot[table] = rows
    return snapshot


async def wipe() -> None:
    tables = _tables()
    if is_postgres():
        names = ", ".join(f'"{t._meta.tablename}"' for t in tables)
        await engine().run_ddl(f"TRUNCATE {names} CASCADE")
        return
    for table in reversed(tables):
        if table._meta.tablename == "org_unit":
            # Children first: the self-reference restricts deleting a parent.
            for row in sorted(
                await table.select(table.id, table.path), key=lambda r: -len(r["path"])
            ):  # type: ignore[attr-defined]
                await table.delete().where(table.id == row["id"])  # type: ignore[attr-defined]
        else:
            await table.delete(force=True)


async def restore(snapshot: Snapshot) -> None:
    await wipe()
    for table, rows in snapshot.items():
        if rows:
            await table.insert(*[table(**row) for row in rows])


async def close() -> None:
    await engine().close_connection_pool()  # type: ignore[attr-defined]


class _Savepoint:
    """The app's own transaction inside a test's: a savepoint, so its rollbacks still undo."""

    def __init__(self, outer: Any) -> None:
        self._outer = outer
        self._savepoint: Any = None

    async def __aenter__(self) -> Any:
        self._savepoint = await self._outer.savepoint()
        return self._outer

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> bool:
        if error is not None:
            await self._savepoint.rollback_to()
        await self._savepoint.release()
        return False


@asynccontextmanager
async def rolled_back() -> AsyncIterator[None]:
    """Run the body (the test, and the app in-process on its task) in one transaction, then
    roll it back: nothing to restore. Every query on this task and the tasks it starts uses the
    transaction's connection; a transaction the app opens becomes a savepoint inside it."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        outer = db.transaction(transaction_type=TransactionType.immediate)
    else:
        outer = db.transaction()
    await outer.__aenter__()
    # On the class: PostgresEngine has slots. Only this engine, only while the test runs.
    kind = type(db)
    original = kind.transaction

    def nested(self: Any, *args: Any, **kwargs: Any) -> Any:
        return _Savepoint(outer) if self is db else original(self, *args, **kwargs)

    kind.transaction = nested  # type: ignore[method-assign]
    try:
        yield
    finally:
        kind.transaction = original  # type: ignore[method-assign]
        await outer.rollback()
        # The connection goes back to the pool; the context variable belongs to the test's
        # context, which ends with it.
        with suppress(ValueError):
            await outer.__aexit__(None, None, None)
