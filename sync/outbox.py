"""The client's durable state in one SQLite file: the outbox, photos, pulled records, cursor.

Nothing leaves it until the server's answer names it: a mutation is deleted only when a push
response lists its ``mutation_id`` as applied (or as a duplicate of an applied one), a photo
only when the server says it holds every byte. Sequence numbers are assigned when a mutation
is queued, in the same transaction that stores it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import sqlite3
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from sync import protocol


def new_id() -> uuid.UUID:
    """A UUIDv7 (RFC 9562), as the PWA and the server make them: 48 bits of Unix time in
    milliseconds, then random bits, so the server's mutation log grows at the end of its key
    index instead of touching a random page of it per mutation."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    value = value & ~(0xF << 76) | 0x7 << 76  # version 7
    value = value & ~(0x3 << 62) | 0x2 << 62  # RFC 9562 variant
    return uuid.UUID(int=value)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS mutation (
    mutation_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    op TEXT NOT NULL,
    -- The record the mutation is about (a visit or inspection id).
    entity_id TEXT,
    body BLOB NOT NULL,
    -- pending: to send; rejected / conflict: answered, kept for the user to see.
    state TEXT NOT NULL DEFAULT 'pending',
    result BLOB,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS mutation_pending ON mutation (state, seq);
CREATE TABLE IF NOT EXISTS photo (
    sha256 TEXT PRIMARY KEY,
    mime TEXT NOT NULL,
    data BLOB NOT NULL,
    -- pending: to upload; rejected: the server refused it (kept, with the reason).
    state TEXT NOT NULL DEFAULT 'pending',
    error TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS record (
    entity TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER,
    change_seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (entity, id)
);
"""


@dataclass(frozen=True)
class Queued:
    """A mutation in the outbox."""

    mutation_id: str
    seq: int
    op: str
    body: bytes
    state: str
    result: bytes | None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


class Outbox:
    """One device's sync state. Not thread-safe; one client per file at a time."""

    def __init__(self, path: str | Path, device_id: str | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        with self._tx():
            if self._meta("device_id") is None:
                self._set_meta("device_id", device_id or str(new_id()))
                self._set_meta("next_seq", "1")

    def close(self) -> None:
        self._db.close()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str | None) -> None:
        if value is None:
            self._db.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    @property
    def device_id(self) -> str:
        value = self._meta("device_id")
        assert value is not None
        return value

    # -- the outbox ----------------------------------------------------------------------------

    def enqueue(self, op: str, **fields: Any) -> protocol.Mutation:
        """Queue a mutation (``op`` and its fields, as in sync.protocol); returns it numbered.

        The fields are checked against the protocol first, so what is stored is sendable.
        """
        with self._tx():
            seq = int(self._meta("next_seq") or "1")
            body = {"op": op, "mutation_id": str(new_id()), "seq": seq, **fields}
            mutation = msgspec.convert(
                msgspec.to_builtins(body), type=protocol.Mutation, strict=False
            )
            record = getattr(mutation, "visit", None) or getattr(mutation, "inspection", None)
            entity_id = getattr(record or mutation, "id", None)
            self._db.execute(
                "INSERT INTO mutation (mutation_id, seq, op, entity_id, body, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    str(mutation.mutation_id),
                    seq,
                    op,
                    str(entity_id) if entity_id else None,
                    msgspec.json.encode(mutation),
                    _now(),
                ),
            )
            self._set_meta("next_seq", str(seq + 1))
        return mutation

    def pending_bodies(self, op: str) -> dict[str, bytes]:
        """Queued, unsent mutations of one kind by the record they are about."""
        rows = self._db.execute(
            "SELECT entity_id, body FROM mutation WHERE state = 'pending' AND op = ?", (op,)
        )
        return {row[0]: row[1] for row in rows}

    def pending(self, limit: int) -> list[Queued]:
        """The next mutations to send, in sequence order."""
        rows = self._db.execute(
            "SELECT mutation_id, seq, op, body, state, result FROM mutation "
            "WHERE state = 'pending' ORDER BY seq LIMIT ?",
            (limit,),
        ).fetchall()
        return [Queued(*row) for row in rows]

    def count(self, state: str = "pending") -> int:
        return int(
            self._db.execute("SELECT count(*) FROM mutation WHERE state = ?", (state,)).fetchone()[
                0
            ]
        )

    def oldest_pending_age(self) -> dt.timedelta | None:
        """How long the oldest unsent mutation has waited (shown to the user)."""
        row = self._db.execute(
            "SELECT min(created_at) FROM mutation WHERE state = 'pending'"
        ).fetchone()
        if not row or row[0] is None:
            return None
        return dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(row[0])

    def answered(self, results: list[tuple[str, str, bytes | None]]) -> None:
        """Record the server's answers: ``(mutation_id, state, result)`` with state ``done``
        (deleted), ``rejected`` or ``conflict`` (kept for the user)."""
        with self._tx():
            for mutation_id, state, result in results:
                if state == "done":
                    self._db.execute("DELETE FROM mutation WHERE mutation_id = ?", (mutation_id,))
                else:
                    self._db.execute(
                        "UPDATE mutation SET state = ?, result = ? WHERE mutation_id = ?",
                        (state, result, mutation_id),
                    )

    def replace_with_skip(self, mutation_id: str, reason: str) -> None:
        """Keep a mutation the server can never take (as rejected) and send a ``skip`` in its
        place, so its sequence number is used up and the queue behind it moves on."""
        with self._tx():
            row = self._db.execute(
                "SELECT seq FROM mutation WHERE mutation_id = ?", (mutation_id,)
            ).fetchone()
            if row is None:
                return
            error = msgspec.json.encode({"code": "client.refused", "message": reason})
            self._db.execute(
                "UPDATE mutation SET state = 'rejected', result = ? WHERE mutation_id = ?",
                (error, mutation_id),
            )
            skip = protocol.Skip(mutation_id=new_id(), seq=row[0], reason=reason[:500])
            self._db.execute(
                "INSERT INTO mutation (mutation_id, seq, op, body, created_at) VALUES (?, ?, ?, ?, ?)",
                (str(skip.mutation_id), row[0], "skip", msgspec.json.encode(skip), _now()),
            )

    def renumber(self, first_seq: int) -> None:
        """Number the pending mutations from ``first_seq`` on, keeping their order.

        For when the server's sequence for this device is not where ours is (an outbox
        restored from a copy, a server restored from a backup); replays are still caught by
        ``mutation_id``.
        """
        with self._tx():
            rows = self._db.execute(
                "SELECT mutation_id, body FROM mutation WHERE state = 'pending' ORDER BY seq"
            ).fetchall()
            seq = first_seq
            for mutation_id, body in rows:
                data = msgspec.json.decode(body)
                data["seq"] = seq
                self._db.execute(
                    "UPDATE mutation SET seq = ?, body = ? WHERE mutation_id = ?",
                    (seq, msgspec.json.encode(data), mutation_id),
                )
                seq += 1
            self._set_meta("next_seq", str(max(seq, int(self._meta("next_seq") or "1"))))

    def needing_attention(self) -> list[Queued]:
        """Rejected mutations and conflicts: what the user must look at."""
        rows = self._db.execute(
            "SELECT mutation_id, seq, op, body, state, result FROM mutation "
            "WHERE state != 'pending' ORDER BY seq"
        ).fetchall()
        return [Queued(*row) for row in rows]

    def dismiss(self, mutation_id: str) -> None:
        """The user has seen a rejected or conflicted mutation."""
        with self._tx():
            self._db.execute(
                "DELETE FROM mutation WHERE mutation_id = ? AND state != 'pending'", (mutation_id,)
            )

    # -- photos --------------------------------------------------------------------------------

    def add_photo(self, data: bytes, mime: str) -> str:
        """Keep a photo until the server has it; returns its SHA-256 (the name records use)."""
        sha256 = hashlib.sha256(data).hexdigest()
        with self._tx():
            self._db.execute(
                "INSERT OR IGNORE INTO photo (sha256, mime, data, created_at) VALUES (?, ?, ?, ?)",
                (sha256, mime, data, _now()),
            )
        return sha256

    def pending_photos(self) -> list[tuple[str, str, bytes]]:
        return self._db.execute(
            "SELECT sha256, mime, data FROM photo WHERE state = 'pending' ORDER BY created_at"
        ).fetchall()

    def photo_done(self, sha256: str) -> None:
        with self._tx():
            self._db.execute("DELETE FROM photo WHERE sha256 = ?", (sha256,))

    def photo_rejected(self, sha256: str, error: str) -> None:
        with self._tx():
            self._db.execute(
                "UPDATE photo SET state = 'rejected', error = ? WHERE sha256 = ?", (error, sha256)
            )

    def photo_count(self, state: str = "pending") -> int:
        return int(
            self._db.execute("SELECT count(*) FROM photo WHERE state = ?", (state,)).fetchone()[0]
        )

    # -- pulled records ------------------------------------------------------------------------

    @property
    def cursor(self) -> str | None:
        return self._meta("cursor")

    def apply_page(self, changes: list[protocol.Change], cursor: str | None, reset: bool) -> None:
        """Store a pull page and its cursor together (a crash keeps both or neither)."""
        with self._tx():
            if reset:
                # A full resync follows: what it does not return is gone from the server.
                self._db.execute("DELETE FROM record")
            for change in changes:
                if isinstance(change, protocol.Upsert):
                    record = change.record
                    self._db.execute(
                        "INSERT OR REPLACE INTO record (entity, id, version, change_seq, data) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (
                            record.__struct_config__.tag,
                            str(record.id),
                            getattr(record, "version", None),
                            change.change_seq,
                            msgspec.json.encode(record),
                        ),
                    )
                else:
                    self._db.execute(
                        "DELETE FROM record WHERE entity = ? AND id = ?",
                        (change.entity, str(change.id)),
                    )
            self._set_meta("cursor", cursor)

    def records(self, entity: str) -> dict[str, dict[str, Any]]:
        """Pulled records of one entity by id."""
        rows = self._db.execute("SELECT id, data FROM record WHERE entity = ?", (entity,))
        return {row[0]: msgspec.json.decode(row[1]) for row in rows}
