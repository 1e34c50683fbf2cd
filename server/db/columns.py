"""Column mixins every synced table shares, and reading JSON columns."""

from __future__ import annotations

from typing import Any

import msgspec
from piccolo.columns import UUID, BigInt, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow


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
