"""Push: apply a device's batch of mutations exactly once.

The whole batch runs in one transaction that starts by bumping the change counter (which also
serialises writers) and ends by storing the stream's last applied sequence number and every
mutation's result, so either all of it happened or none did. Within the batch, each mutation
is checked and applied on its own: one that is rejected is undone in memory, its sequence
number is used up, and the mutations behind it go on.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
import msgspec

from server.accounts.schemas import CurrentUser
from server.db import json_load, utcnow
from server.db.bulk import insert_many, select_in
from server.errors import ApiError
from server.media.links import missing_photos
from server.sync import apply
from server.sync.changes import stream_key
from server.sync.rows import Rejection, Row
from server.sync.tables import SyncMutation, SyncStream
from server.sync.unit import UnitOfWork
from server.sync.write import server_write
from sync import protocol

log = logging.getLogger(__name__)

Outcome = protocol.Applied | protocol.Conflicted | protocol.Rejected
Incoming = protocol.Mutation | protocol.MalformedMutation

#: Errors meaning the database refused a row our checks let through (not a transient fault).
_REFUSED = (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)
#: Errors of the database itself (connection lost, ...).
_DATABASE = (sqlite3.Error, asyncpg.PostgresError, OSError)


async def push(user: CurrentUser, body: bytes) -> protocol.PushResponse:
    """Apply a push body for ``user`` on the device their token belongs to."""
    try:
        request = protocol.decode_push(body)
    except protocol.ProtocolError as exc:
        raise ApiError(400, exc.code, exc.message, exc.details) from None
    if request.device_id != user.device_id:
        raise ApiError(
            400,
            "sync.device_mismatch",
            "device_id is not the device this token was issued to",
            {"token_device_id": user.device_id},
        )
    now = utcnow()
    stream = stream_key(user.id, user.device_id)
    try:
        if replayed := await _replay(stream, request.mutations):
            # Only mutations already applied (a retry after a lost answer): nothing to write.
            last_seq, results, gap = *replayed, None
        else:
            last_seq, results, gap = await _apply(user, stream, request.mutations, now)
    except _REFUSED:
        # Apply one at a time so only the mutation the database refuses is rejected.
        last_seq, results, gap = 0, [], None
        for mutation in request.mutations:
            try:
                last_seq, done, gap = await _apply(user, stream, [mutation], now)
            except _REFUSED as exc:
                refused = Rejection("sync.refused", f"the database refused this change: {exc}")
                last_seq, done, gap = await _apply(
                    user, stream, [mutation], now, refused={mutation.mutation_id: refused}
                )
            results += done
            if gap:
                break
    skew, warn = protocol.clock_skew(request.device_time, now)
    return protocol.PushResponse(
        server_time=now,
        clock_skew_seconds=skew,
        clock_skew_warning=warn,
        last_seq=last_seq,
        results=results,
        gap=gap,
    )


async def _known(ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[str, Outcome]]:
    """Mutations already processed, by id: their stream and the result they got."""
    if not ids:
        return {}
    rows = await select_in(SyncMutation, ("id", "stream", "result"), "id", ids)
    return {
        r["id"]: (r["stream"], msgspec.convert(json_load(r["result"]), type=Outcome)) for r in rows
    }


async def _replay(
    stream: str, mutations: Sequence[Incoming]
) -> tuple[int, list[protocol.Result]] | None:
    """The answer to a batch this stream has sent and had applied before, if it is one."""
    last = await stream_last_seq(stream)
    if any(m.seq > last for m in mutations):
        return None
    known = await _known([m.mutation_id for m in mutations])
    if any(known.get(m.mutation_id, ("",))[0] != stream for m in mutations):
        return None
    return last, [
        protocol.Duplicate(mutation_id=m.mutation_id, seq=m.seq, original=known[m.mutation_id][1])
        for m in mutations
    ]


async def _apply(
    user: CurrentUser,
    stream: str,
    mutations: Sequence[Incoming],
    now: dt.datetime,
    refused: dict[uuid.UUID, Rejection] | None = None,
) -> tuple[int, list[protocol.Result], protocol.Gap | None]:
    async with server_write(user, stream, now=now) as write:
        uow = write.uow
        last = await _last_seq(user, stream, now)
        known = await _known([m.mutation_id for m in mutations])
        await apply.prefetch(uow, [m for m in mutations if m.mutation_id not in known])

        results: list[protocol.Result] = []
        applied: list[tuple[Incoming, Outcome, list[Row]]] = []
        gap = None
        for m in mutations:
            if m.mutation_id in known:
                owner, original = known[m.mutation_id]
                if owner == stream:
                    results.append(
                        protocol.Duplicate(mutation_id=m.mutation_id, seq=m.seq, original=original)
                    )
                else:
                    results.append(
                        _rejected(
                            m, "sync.mutation_id_reused", "another device used this mutation_id"
                        )
                    )
                if m.seq == last + 1:
                    last = m.seq
                continue
            if m.seq <= last:
                results.append(
                    _rejected(
                        m,
                        "sync.sequence_reused",
                        f"sequence number {m.seq} was already used by another mutation",
                        last_seq=last,
                    )
                )
                continue
            if m.seq > last + 1:
                gap = protocol.Gap(expected_seq=last + 1, received_seq=m.seq)
                break
            result, rows = await _one(uow, m, (refused or {}).get(m.mutation_id))
            known[m.mutation_id] = (stream, result)
            applied.append((m, result, rows))
            results.append(result)
            last = m.seq

        await _fill_missing_photos(uow, applied)
        await uow.flush()
        await insert_many(
            SyncMutation,
            [
                {
                    "id": m.mutation_id,
                    "stream": stream,
                    "seq": m.seq,
                    "op": _op(m),
                    "entity": getattr(result, "entity", ""),
                    "entity_id": getattr(result, "id", None),
                    "status": result.__struct_config__.tag,
                    "result": msgspec.json.encode(result).decode(),
                    "payload": _payload(m) if isinstance(result, protocol.Rejected) else None,
                    "created_at": now,
                }
                for m, result, _ in applied
            ],
        )
        await SyncStream.update({SyncStream.last_seq: last, SyncStream.updated_at: now}).where(
            SyncStream.key == stream
        )
    return last, results, gap


async def stream_last_seq(stream: str) -> int:
    """The last sequence number applied for a stream (0: none yet)."""
    row = await SyncStream.select(SyncStream.last_seq).where(SyncStream.key == stream).first()
    return int(row["last_seq"]) if row else 0


async def _last_seq(user: CurrentUser, stream: str, now: dt.datetime) -> int:
    row = await SyncStream.select(SyncStream.last_seq).where(SyncStream.key == stream).first()
    if row is not None:
        return int(row["last_seq"])
    await SyncStream.insert(
        SyncStream(key=stream, user=user.id, device_id=user.device_id, last_seq=0, updated_at=now)
    )
    return 0


async def _one(
    uow: UnitOfWork, m: Incoming, refused: Rejection | None
) -> tuple[Outcome, list[Row]]:
    """Apply one mutation; a rejection, or any failure, undoes whatever it had done."""
    if isinstance(m, protocol.MalformedMutation):
        return _rejected(m, m.code, m.message), []
    if isinstance(m, protocol.Skip):
        return _rejected(m, "sync.skipped", m.reason or "skipped by the device"), []
    uow.begin(m.mutation_id)
    try:
        if refused is not None:
            raise refused
        row, conflicts = await apply.apply(uow, m)
    except Rejection as exc:
        uow.rollback()
        return _rejected(m, exc.code, exc.message, **exc.details), []
    except _REFUSED as exc:
        uow.rollback()
        return _rejected(m, "sync.refused", f"the database refused this change: {exc}"), []
    except _DATABASE:
        raise  # the database failing is no fault of the mutation: the device retries the batch
    except Exception:
        # A value no check foresaw (a date past year 9999 in UTC, ...): this mutation can never
        # apply, so it is rejected and the queue moves on; a 500 would block it for good.
        log.exception("mutation %s failed", m.mutation_id)
        uow.rollback()
        return _rejected(m, "sync.unprocessable", "the server could not apply this change"), []
    versions = uow.commit()
    photo_rows = [row]
    for child in row.spec.children:
        if child.has_photos:
            photo_rows += uow.children(child, row.id)
    return apply.outcome(m, row, versions, conflicts), photo_rows


async def _fill_missing_photos(
    uow: UnitOfWork, applied: list[tuple[Incoming, Outcome, list[Row]]]
) -> None:
    """Tell the device which photos of each record the server still lacks."""
    targets = [(r, rows) for _, r, rows in applied if not isinstance(r, protocol.Rejected)]
    lists = [
        [sha for row in rows if not row.deleted for sha in row.values.get("photos") or []]
        for _, rows in targets
    ]
    if not any(lists):
        return
    for (result, _), missing in zip(targets, await missing_photos(lists), strict=True):
        result.missing_photos = list(dict.fromkeys(missing))


def _rejected(m: Any, code: str, message: str, **details: Any) -> protocol.Rejected:
    return protocol.Rejected(
        mutation_id=m.mutation_id, seq=m.seq, code=code, message=message, details=details
    )


def _op(m: Incoming) -> str:
    if isinstance(m, protocol.MalformedMutation):
        return str((m.payload or {}).get("op", ""))[:40] if isinstance(m.payload, dict) else ""
    return str(m.__struct_config__.tag)


def _payload(m: Incoming) -> str | None:
    """What the device sent, as JSON text, kept with a rejection (None if it cannot be kept)."""
    try:
        sent = m.payload if isinstance(m, protocol.MalformedMutation) else m
        return msgspec.json.encode(sent).decode()
    except (RecursionError, TypeError, ValueError, OverflowError):
        return None  # nested past what can be stored: the result still says why it was refused
