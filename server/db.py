"""Database plumbing shared by every domain: column mixins, transactions, time."""

from __future__ import annotations

import asyncio
import collections
import contextvars
import datetime as dt
import uuid
import weakref
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import msgspec
from piccolo.columns import (
    UUID,
    BigInt,
    Integer,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.engine import engine_finder
from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from uuid_utils.compat import uuid7 as _uuid7

SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


class PooledSQLiteEngine(SQLiteEngine):
    """piccolo's SQLite engine, keeping its connections open between queries and transactions.

    Stock piccolo opens a connection (a thread and a file handle) for every query outside a
    transaction and for every transaction: 2.9 ms a query on this machine, against 0.45 ms on an
    open connection, paid by every request's token check and every photo. Between
    :meth:`start_connection_pool` and :meth:`close_connection_pool` (the app's lifespan, as for
    PostgreSQL's pool) connections are reused, and at most ``max_size`` are open at once: a
    query that finds them all busy waits for one to come back, as with asyncpg's pool (each
    connection is a thread, and opening hundreds when hundreds of phones call at once cost more
    than waiting a turn). Outside it the engine is piccolo's.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pool: _SQLitePool | None = None

    async def start_connection_pool(self, max_size: int = 10, **_: Any) -> None:
        if self.pool is None:
            self.pool = _SQLitePool(self, max_size)

    async def close_connection_pool(self) -> None:
        pool, self.pool = self.pool, None
        if pool is not None:
            await pool.close()

    async def get_connection(self) -> Any:
        """A connection for a transaction; the transaction's ``close()`` hands it back."""
        if self.pool is None:
            return await super().get_connection()
        return await self.pool.lease()

    async def _run_in_existing_connection(
        self,
        connection: Any,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        """One round trip to the connection's thread instead of piccolo's four (it turns
        foreign keys on again, executes, fetches and closes the cursor, each a hop). Every
        connection this engine opens has foreign keys on and dict rows from the start."""
        if query_type == "insert" and self.get_version_sync() < 3.35:  # pragma: no cover
            return await super()._run_in_existing_connection(
                connection, query, args, query_type, table
            )
        return await connection.execute_fetchall(query, args or [])

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        if self.pool is None:
            return await super()._run_in_new_connection(query, args, query_type, table)
        # A write on its own (a token's last use, a photo's row, an audit entry) takes its
        # turn with the write transactions too, instead of sleeping on SQLite's busy timer.
        turn = _write_turn() if _is_write(query) and not _in_turn.get() else None
        if turn is not None:
            await turn.acquire()
        try:
            connection = await self.pool.lease()
            try:  # autocommit (isolation_level None): the statement commits on its own
                return await self._run_in_existing_connection(
                    connection, query, args, query_type, table
                )
            finally:
                await connection.close()
        finally:
            if turn is not None:
                turn.release()


class _SQLitePool:
    def __init__(self, engine: PooledSQLiteEngine, max_size: int) -> None:
        self._engine = engine
        self._max_size = max_size
        self._idle: list[Any] = []
        #: Connections open now, idle or leased.
        self._open = 0
        #: Leases waiting for a connection, first come first served.
        self._waiting: collections.deque[asyncio.Future[Any]] = collections.deque()
        self._closed = False

    async def lease(self) -> _Lease:
        if self._idle:
            return _Lease(self._idle.pop(), self)
        if self._open < self._max_size:
            self._open += 1
            try:
                connection = await SQLiteEngine.get_connection(self._engine)
            except BaseException:
                self._open -= 1
                raise
            return _Lease(connection, self)
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            return _Lease(await waiter, self)
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                await self.give_back(waiter.result())  # handed over just as it was cancelled
            raise

    async def give_back(self, connection: Any) -> None:
        if connection.in_transaction:  # left open by a failure: never hand that on
            try:
                await connection.rollback()
            except Exception:
                await self._close(connection)
                return
        while self._waiting:  # first to those waiting (even while closing: they are under way)
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        if self._closed:
            await self._close(connection)
        else:
            self._idle.append(connection)

    async def _close(self, connection: Any) -> None:
        self._open -= 1
        await connection.close()
        # A waiting lease may open a connection in its place.
        while self._waiting and self._open < self._max_size:
            waiter = self._waiting.popleft()
            if waiter.done():
                continue
            self._open += 1
            try:
                connection = await SQLiteEngine.get_connection(self._engine)
            except BaseException as exc:
                self._open -= 1
                if not waiter.done():
                    waiter.set_exception(exc)
                return
            if waiter.done():  # cancelled while the connection opened
                self._idle.append(connection)
            else:
                waiter.set_result(connection)
            return

    async def close(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            await self._close(connection)


class _Lease:
    """A pooled aiosqlite connection; ``close()`` returns it to the pool."""

    __slots__ = ("_connection", "_pool")

    def __init__(self, connection: Any, pool: _SQLitePool) -> None:
        object.__setattr__(self, "_connection", connection)
        object.__setattr__(self, "_pool", pool)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._connection, name, value)

    async def close(self) -> None:
        connection = self._connection
        if connection is not None:
            object.__setattr__(self, "_connection", None)
            await self._pool.give_back(connection)


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
_in_turn: contextvars.ContextVar[bool] = contextvars.ContextVar("in_turn", default=False)


def _write_turn() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    return _write_turns.get(loop) or _write_turns.setdefault(loop, asyncio.Lock())


def _is_write(sql: str) -> bool:
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
        self._turn = _write_turn()
        self._holding: contextvars.Token[bool] | None = None

    async def __aenter__(self) -> Any:
        await self._turn.acquire()
        self._holding = _in_turn.set(True)
        try:
            return await self._tx.__aenter__()
        except BaseException:
            self._release()
            raise

    def _release(self) -> None:
        if self._holding is not None:
            _in_turn.reset(self._holding)
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
    write, which pull pages by; deletion is soft so it can travel as a tombstone. The row also
    says who wrote its current version; the versions it replaced are kept, with their writers,
    in ``record_revision`` (``server.sync.tables.Revision``).
    """

    id = UUID(primary_key=True)
    #: Bumped by the server on every write; offline edits name the version they started from.
    version = Integer(default=1)
    #: Server-wide change counter at the last write (see server.sync).
    change_seq = BigInt(default=0, index=True)
    #: Soft delete: set instead of removing the row, so deletions sync as tombstones.
    deleted_at = Timestamptz(null=True, default=None)
    #: The current version's writer (a user id), their stream (``<user id>:<device id>``, or
    #: ``server:<what>``) and the mutation that wrote it (none for server-side writes).
    written_by = UUID(null=True, default=None)
    written_stream = Varchar(length=120, default="")
    written_mutation = UUID(null=True, default=None)
