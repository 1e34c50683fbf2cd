"""The SQLite engine's connection pool: reused connections, nothing left half-written."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.db import PooledSQLiteEngine


@pytest.fixture
async def pooled(tmp_path: Path) -> AsyncIterator[PooledSQLiteEngine]:
    engine = PooledSQLiteEngine(path=str(tmp_path / "pool.sqlite"), timeout=30)
    await engine.start_connection_pool(max_size=2)
    await engine.run_ddl("CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
    await engine.run_ddl(
        "CREATE TABLE mark (id INTEGER PRIMARY KEY, note INTEGER NOT NULL REFERENCES note (id))"
    )
    yield engine
    await engine.close_connection_pool()


async def _count(engine: PooledSQLiteEngine) -> int:
    rows = await engine._run_in_new_connection("SELECT count(*) AS n FROM note")
    return int(rows[0]["n"])


async def test_queries_outside_a_transaction_reuse_one_connection(
    pooled: PooledSQLiteEngine,
) -> None:
    assert pooled.pool is not None
    for i in range(5):
        await pooled._run_in_new_connection("INSERT INTO note (text) VALUES (?)", [f"n{i}"])
    assert await _count(pooled) == 5
    assert len(pooled.pool._idle) == 1  # one connection served all of them


async def test_a_failed_transaction_leaves_nothing_and_its_connection_is_clean(
    pooled: PooledSQLiteEngine,
) -> None:
    with pytest.raises(RuntimeError):
        async with pooled.transaction():
            await pooled._run_in_existing_connection(
                pooled.current_transaction.get().connection,  # type: ignore[union-attr]
                "INSERT INTO note (text) VALUES ('half')",
            )
            raise RuntimeError("cut")
    assert await _count(pooled) == 0
    assert pooled.pool is not None
    assert all(not c.in_transaction for c in pooled.pool._idle)
    # The same connection writes and commits normally afterwards.
    async with pooled.transaction():
        await pooled._run_in_existing_connection(
            pooled.current_transaction.get().connection,  # type: ignore[union-attr]
            "INSERT INTO note (text) VALUES ('whole')",
        )
    assert await _count(pooled) == 1


async def test_concurrent_queries_take_turns_on_at_most_max_size_connections(
    pooled: PooledSQLiteEngine,
) -> None:
    pool = pooled.pool
    assert pool is not None
    most = 0

    async def slow_read() -> int:
        nonlocal most
        rows = await pooled._run_in_new_connection(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000) "
            "SELECT count(*) AS n FROM c"
        )
        most = max(most, pool._open)
        return int(rows[0]["n"])

    assert await asyncio.gather(*(slow_read() for _ in range(8))) == [20000] * 8
    assert most == 2  # two ran at once, the other six waited for a connection
    assert pool._open == len(pool._idle) == 2
    assert not pool._waiting


async def test_a_cancelled_wait_loses_no_connection(pooled: PooledSQLiteEngine) -> None:
    pool = pooled.pool
    assert pool is not None
    held = [await pool.lease(), await pool.lease()]
    waiting = asyncio.ensure_future(pool.lease())
    await asyncio.sleep(0)
    assert len(pool._waiting) == 1
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    for lease in held:
        await lease.close()
    assert pool._open == len(pool._idle) == 2
    assert await _count(pooled) == 0  # and the pool still serves


async def test_closing_the_pool_closes_idle_connections_and_falls_back(
    pooled: PooledSQLiteEngine,
) -> None:
    await _count(pooled)
    assert pooled.pool is not None
    idle = list(pooled.pool._idle)
    await pooled.close_connection_pool()
    assert pooled.pool is None
    for connection in idle:
        with pytest.raises(ValueError):
            await connection.execute("SELECT 1")
    assert await _count(pooled) == 0  # piccolo's own connection per query again
    await pooled.start_connection_pool(max_size=2)


async def test_foreign_keys_are_enforced_on_reused_connections(
    pooled: PooledSQLiteEngine,
) -> None:
    # piccolo turned foreign keys on before every statement; the pooled engine does it once per
    # connection, so a reused connection must still refuse a dangling reference.
    for _ in range(3):
        with pytest.raises(sqlite3.IntegrityError):
            await pooled._run_in_new_connection("INSERT INTO mark (note) VALUES (42)")
        with pytest.raises(sqlite3.IntegrityError):
            async with pooled.transaction():
                await pooled._run_in_existing_connection(
                    pooled.current_transaction.get().connection,  # type: ignore[union-attr]
                    "INSERT INTO mark (note) VALUES (43)",
                )
    rows = await pooled._run_in_new_connection("SELECT count(*) AS n FROM mark")
    assert rows[0]["n"] == 0


async def test_write_transactions_take_turns_without_the_busy_timer(
    pooled: PooledSQLiteEngine,
) -> None:
    from piccolo.engine.sqlite import TransactionType

    from server.db.turns import _InTurn

    order: list[str] = []
    first_inside = asyncio.Event()
    let_first_finish = asyncio.Event()

    async def write(name: str, hold: asyncio.Event | None) -> None:
        async with _InTurn(pooled.transaction(transaction_type=TransactionType.immediate)):
            order.append(f"{name} in")
            if hold is not None:
                first_inside.set()
                await hold.wait()
            await pooled._run_in_existing_connection(
                pooled.current_transaction.get().connection,  # type: ignore[union-attr]
                "INSERT INTO note (text) VALUES (?)",
                [name],
            )
        order.append(f"{name} out")

    first = asyncio.ensure_future(write("first", let_first_finish))
    await first_inside.wait()
    second = asyncio.ensure_future(write("second", None))
    await asyncio.sleep(0.05)
    # The second waits its turn in the process, holding no connection, instead of asleep on
    # SQLite's busy timer with a connection of its own.
    assert order == ["first in"]
    assert pooled.pool is not None and pooled.pool._open == 1
    let_first_finish.set()
    await asyncio.gather(first, second)
    assert order == ["first in", "first out", "second in", "second out"]
    assert await _count(pooled) == 2
