"""The access log of personal information (PIPL): who read which record, talent list, photo or
report, and which device pulled on which day.

Reads are many and must not slow the request that makes them, so each process keeps its entries
in memory and writes them in one batch: every few seconds, when the buffer fills, and at
shutdown (``access_lifespan``). A pull is noted once per device per county day: its entry's id is
derived from (user, device, day), so the second process to write the same one does nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

from litestar import Litestar, Request

from server.accounts.deps import client_ip
from server.accounts.schemas import CurrentUser
from server.audit.tables import AuditLog
from server.db import SHANGHAI, new_id, utcnow

log = logging.getLogger(__name__)

#: Seconds between two batch writes of a process's buffer.
FLUSH_SECONDS = 5.0
#: A buffer this long is written at once; one that cannot be written keeps at most this many.
BATCH = 500
_PULL_IDS = uuid.UUID("6f0c2a4e-2f55-4a3e-9d0b-8a1f3c7e5b21")


class AccessLog:
    """One process's buffer of access entries."""

    def __init__(self) -> None:
        self._rows: list[AuditLog] = []
        #: Pull entries already buffered or written by this process (their ids), for one day.
        self._pulled: set[uuid.UUID] = set()
        self._day = ""
        self._lock = asyncio.Lock()
        self._writing: set[asyncio.Task[int]] = set()

    def read(
        self, request: Request[Any, Any, Any], user: CurrentUser, entity: str, key: Any
    ) -> None:
        """Note that ``user`` read ``entity`` ``key`` (a record's id, a photo's hash, a week)."""
        self._add(new_id(), "access.read", user, entity, str(key), {}, client_ip(request))

    def pulled(self, request: Request[Any, Any, Any], user: CurrentUser) -> None:
        """Note a pull: once per user, device and county day."""
        now = utcnow()
        day = now.astimezone(SHANGHAI).date().isoformat()
        if day != self._day:
            self._day, self._pulled = day, set()
        entry_id = uuid.uuid5(_PULL_IDS, f"{user.id}/{user.device_id}/{day}")
        if entry_id in self._pulled:
            return
        self._pulled.add(entry_id)
        details = {"device_id": user.device_id, "day": day}
        self._add(
            entry_id, "access.pull", user, "device", user.device_id, details, client_ip(request)
        )

    def _add(
        self,
        entry_id: uuid.UUID,
        action: str,
        user: CurrentUser,
        entity: str,
        key: str,
        details: dict[str, Any],
        ip: str,
    ) -> None:
        self._rows.append(
            AuditLog(
                id=entry_id,
                actor=user.id,
                action=action,
                entity=entity,
                entity_id=key[:64],
                details=details,
                ip=ip,
                created_at=utcnow(),
            )
        )
        if len(self._rows) >= BATCH:
            task = asyncio.get_running_loop().create_task(self.flush())
            self._writing.add(task)
            task.add_done_callback(self._writing.discard)

    @property
    def pending(self) -> int:
        """Entries not written yet."""
        return len(self._rows)

    async def flush(self) -> int:
        """Write the buffered entries in one statement; returns how many were sent."""
        async with self._lock:
            rows, self._rows = self._rows, []
            if not rows:
                return 0
            try:
                await AuditLog.insert(*rows).on_conflict(target=AuditLog.id, action="DO NOTHING")
            except Exception:
                # Keep them for the next try, bounded: a database that is down must not grow
                # the process without limit.
                log.exception("access log: %d entries not written yet", len(rows))
                self._rows = (rows + self._rows)[-BATCH * 20 :]
                return 0
            return len(rows)

    async def run_forever(self) -> None:
        """Write the buffer every ``FLUSH_SECONDS``."""
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            await self.flush()


def access_log(request: Request[Any, Any, Any]) -> AccessLog:
    """The app's access log buffer."""
    found: AccessLog = request.app.state.access_log
    return found


@contextlib.asynccontextmanager
async def access_lifespan(app: Litestar) -> AsyncIterator[None]:
    """Write the app's access log buffer periodically, and what is left at shutdown."""
    buffer: AccessLog = app.state.access_log
    task = asyncio.create_task(buffer.run_forever(), name="access-log")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await buffer.flush()
