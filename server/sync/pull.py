"""Pull: the changes after a cursor that a user may see, in pages.

Changes are ordered by (change_seq, entity, id). A page reads only up to the counter's
committed value, read first: every transaction with a lower number has committed by then
(``server.sync.changes``), so nothing below the cursor can appear later and a puller never
skips a change, however writers interleave. A row rewritten meanwhile moves above the cap and
comes in a later page with its newer content.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

import msgspec
from piccolo.columns import Column

from server.accounts import repository as accounts
from server.accounts.schemas import CurrentUser
from server.db import utcnow
from server.errors import ApiError
from server.media.links import missing_photos
from server.settings import get_settings
from server.sync.changes import change_time, committed_change_seq
from server.sync.moves import left_scope
from server.sync.registry import SPECS, PullSource, sources
from server.sync.tables import ScopeMove
from sync import protocol

#: A cursor position past every entity of its change_seq.
_END = len(protocol.ENTITIES)
#: What ``Position.encode`` gives out: a change number that fits in 63 bits (18 digits), then
#: optionally an entity rank and an id.
_CURSOR = re.compile(r"(0|[1-9][0-9]{0,17})(\.[0-9]{1,2}\.[0-9a-f-]{36})?", re.ASCII)


class Position(NamedTuple):
    """Everything up to and including this (change_seq, entity rank, id) has been delivered."""

    seq: int
    rank: int
    id: str

    def encode(self) -> str:
        return str(self.seq) if self.rank == _END else f"{self.seq}.{self.rank}.{self.id}"

    @classmethod
    def decode(cls, cursor: str | None) -> Position | None:
        """The position, or None for a cursor that is not ours."""
        if cursor is None:
            return cls(-1, _END, "")
        if not _CURSOR.fullmatch(cursor):
            return None  # e.g. "-1e26", or a number no database integer holds
        parts = cursor.split(".")
        try:
            if len(parts) == 1:
                return cls(int(parts[0]), _END, "")
            if len(parts) == 3 and 0 <= int(parts[1]) < _END:
                return cls(int(parts[0]), int(parts[1]), str(uuid.UUID(parts[2])))
        except ValueError:
            pass
        return None


def after(source: PullSource, pos: Position, upper: int, change_seq: Column, pk: Column) -> Any:
    """WHERE a change of ``source`` (its number and id in those columns) comes after ``pos``
    and at most at ``upper``."""
    later: Any
    if source.rank < pos.rank:
        later = change_seq > pos.seq
    elif source.rank == pos.rank:
        later = (change_seq > pos.seq) | ((change_seq == pos.seq) & (pk > uuid.UUID(pos.id)))
    else:
        later = change_seq >= pos.seq
    return later & (change_seq <= upper)


async def pull(user: CurrentUser, body: bytes) -> protocol.PullResponse:
    try:
        request = protocol.decode_pull(body)
    except protocol.ProtocolError as exc:
        raise ApiError(400, exc.code, exc.message, exc.details) from None
    now = utcnow()
    skew, warn = protocol.clock_skew(request.device_time, now)
    upper = await committed_change_seq()
    pos = Position.decode(request.cursor)
    scoped = await _scope_now(user)
    if (
        scoped is None
        or pos is None
        or pos.seq > upper
        or 0 <= pos.seq < scoped.scope_seq
        or await _too_old(pos, now)
    ):
        return protocol.PullResponse(
            server_time=now,
            clock_skew_seconds=skew,
            clock_skew_warning=warn,
            cursor=None,
            reset_required=True,
        )
    user = scoped
    candidates: list[tuple[tuple[int, int, str], PullSource, dict[str, Any]]] = []
    for source in sources():
        visible = source.visible(user)
        if visible is None:
            continue
        table: Any = source.table
        pk = table._meta.primary_key
        rows = await (
            table.select(*table._meta.columns)
            .where(visible & after(source, pos, upper, table.change_seq, pk))
            .order_by(table.change_seq)
            .order_by(pk)
            .limit(request.limit + 1)
        )
        if source.moves and pos.seq >= 0:  # a first pull holds nothing to drop
            rows += await _moved_away(user, source, pos, upper, request.limit + 1)
        candidates += [((r["change_seq"], source.rank, str(r["id"])), source, r) for r in rows]
    candidates.sort(key=lambda c: c[0])
    page = candidates[: request.limit]
    has_more = len(candidates) > request.limit
    cursor = Position(*page[-1][0]).encode() if has_more else Position(upper, _END, "").encode()
    return protocol.PullResponse(
        server_time=now,
        clock_skew_seconds=skew,
        clock_skew_warning=warn,
        cursor=cursor,
        has_more=has_more,
        changes=await _changes([(s, r) for _, s, r in page]),
    )


async def _moved_away(
    user: CurrentUser, source: PullSource, pos: Position, upper: int, limit: int
) -> list[dict[str, Any]]:
    """Rows of ``source`` that moved out of the user's subtree after ``pos``: tombstones."""
    moved = ScopeMove.entity_id
    rows = await (
        ScopeMove.select(moved.as_alias("id"), ScopeMove.change_seq)
        .where(
            (ScopeMove.entity == source.entity)
            & left_scope(user)
            & after(source, pos, upper, ScopeMove.change_seq, moved)
        )
        .order_by(ScopeMove.change_seq)
        .order_by(moved)
        .limit(limit)
    )
    return [{**r, "moved_away": True} for r in rows]


async def _scope_now(user: CurrentUser) -> CurrentUser | None:
    """The user's scope as committed after the pull's upper bound was read, so a cursor at or
    past their last scope change was always computed with the new scope. A cursor from before
    it resyncs from scratch: the device drops what it may no longer see and gets what it now
    may (a tombstone for every row that left its scope, in effect)."""
    row = await accounts.current_scope(user.id)
    if row is None:
        return None
    return msgspec.structs.replace(
        user,
        role=row["role"],
        scope_seq=row["scope_seq"],
        org_unit_id=row["org_unit_id"],
        org_unit_name=row["org_unit_name"],
        org_unit_path=row["org_unit_path"],
    )


async def _too_old(pos: Position, now: dt.datetime) -> bool:
    """Deletions older than the horizon may be gone: such a cursor needs a full resync."""
    if pos.seq <= 0:
        return False
    written = await change_time(pos.seq)
    horizon = dt.timedelta(days=get_settings().sync_tombstone_days)
    return written is None or written < now - horizon


async def _changes(page: list[tuple[PullSource, dict[str, Any]]]) -> list[protocol.Change]:
    """Rows to upserts and tombstones."""
    live = [(s, r) for s, r in page if not _gone(r)]
    records: dict[Any, Any] = {}
    for source in {s.entity: s for s, _ in live}.values():
        rows = [r for s, r in live if s is source]
        made = await (source.records or _synced(source.entity))(rows)
        records.update(zip([r["id"] for r in rows], made, strict=True))
    changes: list[protocol.Change] = []
    for source, row in page:
        seq = row["change_seq"]
        if _gone(row):
            changes.append(
                protocol.Tombstone(
                    change_seq=seq, entity=source.entity, id=row["id"], version=row.get("version")
                )
            )
        else:
            changes.append(protocol.Upsert(change_seq=seq, record=records[row["id"]]))
    return changes


def _gone(row: dict[str, Any]) -> bool:
    """Deleted, no longer in use (an inactive campaign) or moved out of the user's subtree: a
    tombstone."""
    return (
        row.get("deleted_at") is not None
        or row.get("active") is False
        or row.get("moved_away", False)
    )


def _synced(entity: str) -> Callable[[list[dict[str, Any]]], Awaitable[list[Any]]]:
    """The records of a synced spec's rows, with the photos the server still lacks."""
    spec = SPECS[entity]

    async def records(rows: list[dict[str, Any]]) -> list[Any]:
        values = [spec.from_db(r) for r in rows]
        if not spec.has_photos:
            return [spec.to_record(v) for v in values]
        missing = await missing_photos([v["photos"] for v in values])
        return [spec.to_record(v, m) for v, m in zip(values, missing, strict=True)]

    return records
