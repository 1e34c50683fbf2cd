"""The change counter: what every write to a synced table calls first.

Rule for every writer (sync push, review, roster import, admin edits): inside the write
transaction, call :func:`next_change_seq` *before* writing, then stamp each row written with
the value as ``change_seq`` (and bump its ``version`` where it has one). On PostgreSQL the bump
row-locks the counter until commit, so write transactions commit in counter order; on SQLite
the IMMEDIATE transaction already serialises writers. Either way, a change with a lower number
is committed before a higher one becomes visible, which is what lets pull page by the counter
without ever skipping a change (see ``server.sync.pull``).
"""

from __future__ import annotations

import datetime as dt
import uuid

from server.db import utcnow
from server.sync.tables import SyncChange, SyncCounter

_BUMP = (
    "INSERT INTO sync_counter (id, value) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET value = sync_counter.value + 1 RETURNING value"
)


def stream_key(user_id: uuid.UUID | str, device_id: str) -> str:
    """One user on one device: the unit of push sequence numbers."""
    return f"{user_id}:{device_id}"


async def next_change_seq(
    actor_id: uuid.UUID | None, stream: str, now: dt.datetime | None = None
) -> int:
    """Bump the server-wide change counter and log the change. Call inside the transaction."""
    rows = await SyncCounter.raw(_BUMP)
    seq = int(rows[0]["value"])
    await SyncChange.insert(
        SyncChange(seq=seq, created_at=now or utcnow(), actor=actor_id, stream=stream)
    )
    return seq


async def committed_change_seq() -> int:
    """The counter's committed value: every change up to it is visible to a new statement."""
    row = await (
        SyncCounter.select(SyncCounter.value).where(SyncCounter._meta.primary_key == 1).first()
    )
    return int(row["value"]) if row else 0


async def change_time(seq: int) -> dt.datetime | None:
    """When change ``seq`` was written (server clock), if the log still has it."""
    row = await SyncChange.select(SyncChange.created_at).where(SyncChange.seq == seq).first()
    return row["created_at"] if row else None
