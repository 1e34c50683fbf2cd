"""A server write: the one way anything changes synced records.

Push, reviews, demand steps, conflict resolution (and every admin write to come) open one:
a write transaction, the change number bumped first (``server.sync.changes``), a unit of work
stamped with it, and the audit log of whoever acts. The unit of work's rows are written when the
block ends, in the same transaction; an exception anywhere rolls back all of it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

from server.accounts.schemas import CurrentUser
from server.audit import repository as audit
from server.db import transaction, utcnow
from server.sync.changes import next_change_seq
from server.sync.unit import UnitOfWork


class ServerWrite:
    """What a write block works with: who acts, when, the change number and the unit of work."""

    def __init__(self, actor: CurrentUser, stream: str, change_seq: int, now: dt.datetime, ip: str):
        self.actor = actor
        self.stream = stream
        self.change_seq = change_seq
        self.now = now
        self.ip = ip
        self.uow = UnitOfWork(actor=actor, stream=stream, change_seq=change_seq, now=now)

    async def audit(
        self,
        action: str,
        *,
        entity: str = "",
        entity_id: str | uuid.UUID = "",
        details: dict[str, Any] | None = None,
    ) -> None:
        """Append an audit entry for this write, by its actor, from their address."""
        await audit.record(
            action,
            actor_id=self.actor.id,
            entity=entity,
            entity_id=entity_id,
            details=details,
            ip=self.ip,
        )


@contextlib.asynccontextmanager
async def server_write(
    actor: CurrentUser, stream: str, *, ip: str = "", now: dt.datetime | None = None
) -> AsyncIterator[ServerWrite]:
    """Open a write by ``actor`` through ``stream`` (a device's, or ``server:<what>``)."""
    async with transaction():
        now = now or utcnow()
        change_seq = await next_change_seq(actor.id, stream, now)
        write = ServerWrite(actor, stream, change_seq, now, ip)
        yield write
        await write.uow.flush()
