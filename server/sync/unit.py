"""A unit of work over the synced records of one write transaction.

A push applies up to hundreds of mutations in one transaction. Rows are loaded in bulk, each
mutation changes them in memory (and is undone in memory if it is rejected), and the result is
written in bulk at the end: a few statements per batch instead of several per record. Each
mutation that changes a row bumps its version once and leaves one revision.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
from piccolo.columns import JSON, Column
from piccolo.query import Max
from piccolo.table import Table

from server.accounts.schemas import CurrentUser
from server.media.tables import MediaLink
from server.sync.changes import revision
from server.sync.entities import SPECS, EntitySpec, norm, utc
from server.sync.tables import Revision, SyncConflict
from sync import protocol


class Rejection(Exception):
    """A mutation the server refuses: nothing of it is applied."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


def validation(message: str, field_name: str | None = None) -> Rejection:
    return Rejection("sync.validation", message, **({"field": field_name} if field_name else {}))


@dataclass
class Row:
    spec: EntitySpec
    #: Column name → typed value, every column of the table.
    values: dict[str, Any]
    new: bool
    #: Columns changed since loaded (written by an UPDATE at flush).
    changed: set[str] = field(default_factory=set)
    #: Extra facts loaded with the row (e.g. the owner unit's path).
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> uuid.UUID:
        return self.values["id"]

    @property
    def version(self) -> int:
        return int(self.values["version"])

    @property
    def deleted(self) -> bool:
        return self.values.get("deleted_at") is not None

    def get(self, wire: str) -> Any:
        return self.values[self.spec.column(wire)]


class UnitOfWork:
    """Rows of one write transaction, changed in memory and written by :meth:`flush`."""

    def __init__(
        self, *, actor: CurrentUser, stream: str, change_seq: int, now: dt.datetime
    ) -> None:
        self.actor = actor
        self.stream = stream
        self.change_seq = change_seq
        self.now = now
        self.rows: dict[uuid.UUID, Row] = {}
        #: Nested rows by (entity, parent id), so finding a record's demands is no scan.
        self._children: dict[tuple[str, uuid.UUID], dict[uuid.UUID, Row]] = {}
        #: Highest version of a row this stream wrote before the batch (its own edits).
        self._own_versions: dict[uuid.UUID, int] = {}
        self._revisions: list[dict[str, Any]] = []
        self._conflicts: list[dict[str, Any]] = []
        self._extra: list[tuple[type[Table], dict[str, Any]]] = []
        self._photo_rows: set[uuid.UUID] = set()
        # The mutation in progress: what to undo if it is rejected.
        self._mutation_id: uuid.UUID | None = None
        self._undo: dict[uuid.UUID, tuple[dict[str, Any], set[str]] | None] = {}
        self._touched: list[uuid.UUID] = []
        self._pending_conflicts: list[dict[str, Any]] = []
        self._pending_extra: list[tuple[type[Table], dict[str, Any]]] = []

    # -- loading -------------------------------------------------------------------------------

    async def load(
        self, spec: EntitySpec, where: Any, *, unit_path: Any | None = None
    ) -> list[Row]:
        """Load rows matching ``where`` that are not loaded yet; returns every matching row."""
        columns: list[Any] = list(spec.table._meta.columns)
        if unit_path is not None:
            columns.append(unit_path.as_alias("_unit_path"))
        found = []
        fresh = []
        for raw in await spec.table.select(*columns).where(where):
            row_id = raw["id"]
            if row_id in self.rows:
                found.append(self.rows[row_id])
                continue
            meta = {"unit_path": raw.pop("_unit_path", None)}
            row = Row(spec, spec.from_db(raw), new=False, meta=meta)
            self._keep(row)
            found.append(row)
            fresh.append(row_id)
        if fresh:
            query = (
                Revision.select(Revision.entity_id, Max(Revision.version).as_alias("v"))
                .where(Revision.entity_id.is_in(fresh) & (Revision.stream == self.stream))
                .group_by(Revision.entity_id)
            )
            for r in await query:
                self._own_versions[r["entity_id"]] = int(r["v"])
        return found

    async def load_ids(
        self, spec: EntitySpec, ids: Iterable[uuid.UUID], *, unit_path: Any | None = None
    ) -> None:
        wanted = [i for i in set(ids) if i not in self.rows]
        if wanted:
            await self.load(spec, spec.table._meta.primary_key.is_in(wanted), unit_path=unit_path)

    def get(self, spec: EntitySpec, row_id: uuid.UUID) -> Row | None:
        row = self.rows.get(row_id)
        if row is not None and row.spec is not spec:
            raise validation(f"id {row_id} is already used by a {row.spec.name}")
        return row

    def _keep(self, row: Row) -> None:
        self.rows[row.id] = row
        if row.spec.parent_column is not None:
            key = (row.spec.name, row.values[row.spec.parent_column])
            self._children.setdefault(key, {})[row.id] = row

    def children(self, spec: EntitySpec, parent_id: uuid.UUID) -> list[Row]:
        """Loaded rows of ``spec`` under a parent (load them first)."""
        return list(self._children.get((spec.name, parent_id), {}).values())

    def effective_base(self, row: Row, base_version: int) -> int:
        """The version the device's edit really started from.

        A device's queued edits build on each other before it learns their server versions, so
        its own earlier writes count as seen: the base is the later of what it names and what
        this stream itself last wrote (in an earlier push, or earlier in this one).
        """
        own = self._own_versions.get(row.id, 0)
        if row.new or row.changed:
            own = row.version  # written by this stream in this batch
        return max(base_version, own)

    async def base_data(self, row: Row, version: int) -> dict[str, Any] | None:
        if version <= 0:
            return None
        rev = (
            await Revision.select(Revision.data)
            .where(
                (Revision.entity == row.spec.name)
                & (Revision.entity_id == row.id)
                & (Revision.version == version)
            )
            .first()
        )
        return norm_json(rev["data"]) if rev else None

    # -- one mutation --------------------------------------------------------------------------

    def begin(self, mutation_id: uuid.UUID | None) -> None:
        self._mutation_id = mutation_id
        self._undo = {}
        self._touched = []
        self._pending_conflicts = []
        self._pending_extra = []

    def rollback(self) -> None:
        """Forget everything the current mutation did."""
        for row_id, saved in self._undo.items():
            if saved is None:
                row = self.rows.pop(row_id)
                if row.spec.parent_column is not None:
                    key = (row.spec.name, row.values[row.spec.parent_column])
                    del self._children[key][row_id]
            else:
                self.rows[row_id].values, self.rows[row_id].changed = saved
        self.begin(None)

    def commit(self) -> dict[uuid.UUID, int]:
        """Finish the current mutation: bump each changed row once and record its revision."""
        versions = {}
        for row_id in self._touched:
            row = self.rows[row_id]
            saved = self._undo[row_id]
            if saved is not None and saved[0] == row.values:
                continue  # touched but nothing changed
            if saved is not None:
                self._set(row, "version", row.version + 1)
            self._set(row, "change_seq", self.change_seq)
            self._set(row, "updated_at", self.now)
            self._revisions.append(
                revision(
                    row.spec.name,
                    row.id,
                    row.version,
                    row.spec.snapshot(row.values),
                    actor_id=self.actor.id,
                    stream=self.stream,
                    change_seq=self.change_seq,
                    now=self.now,
                    mutation_id=self._mutation_id,
                )
            )
            if row.spec.has_photos:
                self._photo_rows.add(row_id)
            versions[row_id] = row.version
        self._conflicts.extend(self._pending_conflicts)
        self._extra.extend(self._pending_extra)
        self.begin(None)
        return versions

    def _touch(self, row: Row) -> None:
        if row.id not in self._undo:
            self._undo[row.id] = (dict(row.values), set(row.changed))
            self._touched.append(row.id)

    def _set(self, row: Row, column: str, value: Any) -> None:
        row.values[column] = value
        if not row.new:
            row.changed.add(column)

    # -- changing rows -------------------------------------------------------------------------

    def create(self, spec: EntitySpec, values: dict[str, Any]) -> Row:
        """A new row (version 1); ``values`` are column values, the rest take defaults."""
        full = _defaults(spec)
        full.update(values)
        full.update(version=1, change_seq=self.change_seq, created_at=self.now, deleted_at=None)
        row = Row(spec, full, new=True)
        self._keep(row)
        self._undo[row.id] = None
        self._touched.append(row.id)
        return row

    def set(self, row: Row, column: str, value: Any) -> None:
        """Change one column of a loaded row (no-op when equal)."""
        value = utc(value)
        if norm(row.values.get(column)) == norm(value):
            return
        self._touch(row)
        self._set(row, column, value)

    def delete(self, row: Row) -> None:
        self.set(row, "deleted_at", self.now)

    async def merge(
        self, row: Row, incoming: Any, base_version: int
    ) -> list[protocol.FieldConflict]:
        """Three-way merge of a device's edit into a row, field by field.

        A field the device changed is applied unless someone else changed it since the
        device's base version; then the server keeps its value and the edit is stored as a
        conflict. Fields nobody else touched are applied either way.
        """
        base = self.effective_base(row, base_version)
        if base > row.version:
            raise validation(
                f"base_version {base_version} is ahead of the server's {row.version}",
                "base_version",
            )
        base_data = None if base == row.version else await self.base_data(row, base)
        conflicts = []
        for wire in row.spec.editable:
            column = row.spec.column(wire)
            mine = norm(getattr(incoming, wire))
            theirs = norm(row.values[column])
            if mine == theirs:
                continue
            if base == row.version or (base_data is not None and base_data.get(wire) == theirs):
                self.set(row, column, getattr(incoming, wire))
                continue
            conflicts.append(
                self.conflict(
                    row,
                    wire,
                    base_value=None if base_data is None else base_data.get(wire),
                    server_value=theirs,
                    client_value=mine,
                    base_version=base,
                )
            )
        return conflicts

    def conflict(
        self,
        row: Row,
        wire: str,
        *,
        base_value: Any,
        server_value: Any,
        client_value: Any,
        base_version: int,
    ) -> protocol.FieldConflict:
        """Keep a device's stale value for a person to resolve."""
        root_id = row.id if row.spec.parent_column is None else row.values[row.spec.parent_column]
        conflict_id = uuid.uuid4()
        self._pending_conflicts.append(
            {
                "id": conflict_id,
                "entity": row.spec.name,
                "entity_id": row.id,
                "record_entity": row.spec.root,
                "record_id": root_id,
                "field": wire,
                "base_value": json_text(base_value),
                "server_value": json_text(server_value),
                "client_value": json_text(client_value),
                "base_version": base_version,
                "server_version": row.version,
                "author": self.actor.id,
                "stream": self.stream,
                "mutation_id": self._mutation_id,
                "created_at": self.now,
                "resolved_at": None,
                "resolved_by": None,
                "resolution": None,
                "resolved_value": None,
            }
        )
        return protocol.FieldConflict(
            conflict_id=conflict_id,
            entity=row.spec.name,
            id=row.id,
            field=wire,
            base_value=base_value,
            server_value=server_value,
            client_value=client_value,
        )

    def add(self, table: type[Table], **values: Any) -> None:
        """Another row to insert with the batch if the mutation succeeds (e.g. a demand event);
        give every column."""
        self._pending_extra.append((table, values))

    # -- writing -------------------------------------------------------------------------------

    async def flush(self) -> None:
        """Write every change of the batch. Call inside the transaction, after the last commit."""
        for spec in SPECS.values():
            new = [r.values for r in self.rows.values() if r.spec is spec and r.new]
            await insert_many(spec.table, new)
            for row in self.rows.values():
                if row.spec is spec and not row.new and row.changed:
                    update: dict[Column | str, Any] = {
                        spec.table_column(c): row.values[c] for c in sorted(row.changed)
                    }
                    await spec.table.update(update).where(spec.table._meta.primary_key == row.id)
        by_table: dict[type[Table], list[dict[str, Any]]] = {}
        for table, values in self._extra:
            by_table.setdefault(table, []).append(values)
        for table, rows in by_table.items():
            await insert_many(table, rows)
        await insert_many(Revision, self._revisions)
        await insert_many(SyncConflict, self._conflicts)
        await self._write_media_links()
        for row in self.rows.values():
            row.new = False
            row.changed = set()
        self._revisions, self._conflicts, self._extra = [], [], []

    async def _write_media_links(self) -> None:
        if not self._photo_rows:
            return
        rows = [self.rows[i] for i in self._photo_rows]
        existing = [r.id for r in rows if not r.new]
        if existing:
            await MediaLink.delete().where(MediaLink.entity_id.is_in(existing))
        links = [
            {
                "id": uuid.uuid4(),
                "sha256": sha,
                "entity": row.spec.name,
                "entity_id": row.id,
                "created_at": self.now,
            }
            for row in rows
            for sha in dict.fromkeys(row.values.get("photos") or [])
        ]
        await insert_many(MediaLink, links)
        self._photo_rows = set()


def json_text(value: Any) -> str:
    """A value for a JSON column that may hold a bare string (piccolo would store it as is)."""
    return msgspec.json.encode(value).decode()


def norm_json(value: Any) -> Any:
    if isinstance(value, str | bytes):
        return msgspec.json.decode(value) if value else None
    return value


@functools.cache
def _column_defaults(spec: EntitySpec) -> dict[str, Any]:
    out = {}
    for column in spec.table._meta.columns:
        value = column.default
        if hasattr(value, "python"):  # e.g. TimestamptzNow: set when the row is made
            continue
        if column._meta.name in spec.json_columns and isinstance(value, str):
            value = msgspec.json.decode(value)  # piccolo keeps JSON defaults as text
        out[column._meta.name] = value
    return out


def _defaults(spec: EntitySpec) -> dict[str, Any]:
    """Every column's default as a typed value, fresh for one row."""
    return {
        k: copy.copy(v) if isinstance(v, list | dict) else v
        for k, v in _column_defaults(spec).items()
    }


async def insert_many(table: type[Table], rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows (column name → value; every row the same columns) in bulk.

    Inside a transaction this goes straight to the driver's ``executemany`` on the
    transaction's connection: building a piccolo query object per row costs more than the
    database does when a push brings hundreds of records. JSON columns take Python values or
    JSON text.
    """
    if not rows:
        return
    db: Any = table._meta.db
    tx = db.current_transaction.get()
    if tx is None:
        await table.insert(*[table(**row) for row in rows])
        return
    names = list(rows[0])
    json_columns = {c._meta.name for c in table._meta.columns if isinstance(c, JSON)}
    postgres = db.engine_type == "postgres"
    marks = [f"${i}" for i in range(1, len(names) + 1)] if postgres else ["?"] * len(names)
    quoted = ", ".join(f'"{n}"' for n in names)
    sql = f'INSERT INTO "{table._meta.tablename}" ({quoted}) VALUES ({", ".join(marks)})'
    encode = [n in json_columns for n in names]
    values = [
        tuple(
            json_text(row[n]) if is_json and not isinstance(row[n], str | None) else row[n]
            for n, is_json in zip(names, encode, strict=True)
        )
        for row in rows
    ]
    await tx.connection.executemany(sql, values)
