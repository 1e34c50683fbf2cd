"""The engine, and write transactions that take turns on SQLite."""

from __future__ import annotations

import asyncio
import contextvars
import weakref
from types import TracebackType
from typing import Any

from piccolo.engine import engine_finder
from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType


def engine() -> Engine:
    db = engine_finder()
    if db is None:  # pragma: no cover - misconfiguration
        raise RuntimeError("piccolo engine not configured (PICCOLO_CONF)")
    return db


def transaction() -> Any:
    """A write transaction. On SQLite it is IMMEDIATE so read-then-write never deadlocks, and
    the process's write transactions take turns (:class:`_InTurn`)."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        tx = db.transaction(transaction_type=TransactionType.immediate)
        return tx if db.current_transaction.get() is not None else _InTurn(tx)
    return db.transaction()


#: One queue of SQLite writes per event loop.
_write_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)
#: This task holds the turn (a statement it runs outside its transaction must not wait for it).
in_turn: contextvars.ContextVar[bool] = contextvars.ContextVar("in_turn", default=False)


def write_turn() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    return _write_turns.get(loop) or _write_turns.setdefault(loop, asyncio.Lock())


def is_write(sql: str) -> bool:
    return sql.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE")


class _InTurn:
    """A SQLite write transaction that waits for the process's previous one to end.

    SQLite has one writer at a time; a second ``BEGIN IMMEDIATE`` would find the database
    locked and retry on SQLite's busy timer, sleeping 1, 2, 5 … 100 ms between tries, so many
    phones syncing at once spent most of their time asleep. Queued here, each starts the moment
    the one before commits. Single write statements outside a transaction queue here too
    (:meth:`PooledSQLiteEngine._run_in_new_connection`). Writers in other processes, such as the
    ``zoufang`` command, still meet the busy timer.
    """

    def __init__(self, tx: Any) -> None:
        self._tx = tx
        self._turn = write_turn()
        self._holding: contextvars.Token[bool] | None = None

    async def __aenter__(self) -> Any:
        await self._turn.acquire()
        self._holding = in_turn.set(True)
        try:
            return await self._tx.__aenter__()
        except BaseException:
            self._release()
            raise

    def _release(self) -> None:
        if self._holding is not None:
            in_turn.reset(self._holding)
            self._holding = None
        self._turn.release()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> Any:
        try:
            return await self._tx.__aexit__(kind, error, trace)
        finally:
            self._release()


async def use_write_ahead_log() -> None:
    """Put a SQLite database in WAL mode (it stays so; PostgreSQL needs nothing).

    Readers (pulls, lists) then never wait for a push's write transaction, and a commit is one
    append to the log. Durability is unchanged: ``synchronous`` stays FULL, so the log is
    synced before a commit returns, and a push the server acknowledged survives a power cut.
    """
    db = engine()
    if isinstance(db, SQLiteEngine):
        await db.run_ddl("PRAGMA journal_mode=WAL")


def is_postgres() -> bool:
    return not isinstance(engine(), SQLiteEngine)
