"""A unit of work over the synced records of one write transaction.

A push applies up to hundreds of mutations in one transaction. Rows are loaded in bulk, each
mutation changes them in memory (and is undone in memory if it is rejected), and the result is
written in bulk at the end: a few statements per batch instead of several per record. Each
mutation that changes a row bumps its version once; the version it replaced is kept as a
revision.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import uuid
from collections.abc import Iterable
from typing import Any

import msgspec
from piccolo.columns import Column
from piccolo.query import Max
from piccolo.table import Table

from server.accounts.schemas import CurrentUser
from server.db import new_id
from server.db.bulk import insert_many, select_in
from server.media.links import Listing, replace_links
from server.sync.entities import EntitySpec, norm, utc
from server.sync.registry import SPECS
from server.sync.rows import Row, json_text, norm_json, validation
from server.sync.tables import Revision, SyncConflict
from sync import protocol


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
        #: Highest superseded version of a row this stream wrote (its own earlier edits).
        self._own_versions: dict[uuid.UUID, int] = {}
        #: The versions this batch replaced, to insert as revisions.
        self._revisions: list[dict[str, Any]] = []
        self._conflicts: list[dict[str, Any]] = []
        self._extra: list[tuple[type[Table], dict[str, Any]]] = []
        self._photo_rows: set[uuid.UUID] = set()
        #: What the domains' hooks keep for the batch (e.g. reference rows), by their own key.
        self.state: dict[Any, Any] = {}
        # The mutation in progress: what to undo if it is rejected.
        self._mutation_id: uuid.UUID | None = None
        self._undo: dict[uuid.UUID, tuple[dict[str, Any], set[str]] | None] = {}
        self._touched: list[Row] = []
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
            if row.values["written_stream"] != self.stream:  # else its own is the current one
                fresh.append(row_id)
        if fresh:
            # Versions this stream wrote that others have replaced since.
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
        # Most ids a push names are new: find the few that exist with one plain query first.
        existing = [r["id"] for r in await select_in(spec.table, ("id",), "id", wanted)]
        if existing:
            await self.load(spec, spec.table._meta.primary_key.is_in(existing), unit_path=unit_path)

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
        if row.values["written_stream"] == self.stream:
            return max(base_version, row.version)
        return max(base_version, self._own_versions.get(row.id, 0))

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
        """Finish the current mutation: bump each changed row once, keeping the version it
        replaces as a revision, and stamp the row with its writer.

        The current version is the row itself (see :class:`server.sync.tables.Revision`), so a
        record written once — most of what phones push — costs no revision at all.
        """
        versions = {}
        stamp = {
            "change_seq": self.change_seq,
            "updated_at": self.now,
            "written_by": self.actor.id,
            "written_stream": self.stream,
            "written_mutation": self._mutation_id,
        }
        for row in self._touched:
            row_id = row.id
            saved = self._undo[row_id]
            if saved is None:  # new in this mutation: nothing replaced, no UPDATE to track
                row.values.update(stamp)
            else:
                previous = saved[0]
                if previous == row.values:
                    continue  # touched but nothing changed
                self._revisions.append(_superseded(row.spec, previous))
                self._set(row, "version", row.version + 1)
                for column, value in stamp.items():
                    self._set(row, column, value)
            if row.spec.has_photos:
                self._photo_rows.add(row_id)
            versions[row_id] = row.values["version"]
        self._conflicts.extend(self._pending_conflicts)
        self._extra.extend(self._pending_extra)
        self.begin(None)
        return versions

    def _touch(self, row: Row) -> None:
        if row.id not in self._undo:
            self._undo[row.id] = (dict(row.values), set(row.changed))
            self._touched.append(row)

    def _set(self, row: Row, column: str, value: Any) -> None:
        row.values[column] = value
        if not row.new:
            row.changed.add(column)

    # -- changing rows -------------------------------------------------------------------------

    def create(self, spec: EntitySpec, values: dict[str, Any]) -> Row:
        """A new row (version 1); ``values`` are column values, the rest take defaults."""
        defaults, mutable = _column_defaults(spec)
        full = {**defaults, **values}
        for name in mutable:
            if name not in values:  # a fresh list or dict per row, never a shared one
                full[name] = copy.copy(full[name])
        full["version"] = 1
        full["change_seq"] = self.change_seq
        full["created_at"] = self.now
        full["deleted_at"] = None
        row = Row(spec, full, new=True)
        row_id = full["id"]
        self.rows[row_id] = row
        if spec.parent_column is not None:
            key = (spec.name, full[spec.parent_column])
            self._children.setdefault(key, {})[row_id] = row
        self._undo[row_id] = None
        self._touched.append(row)
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
        conflict_id = new_id()
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
        listings = [
            Listing(r.spec.name, r.id, r.values.get("photos") or [], r.new)
            for r in (self.rows[i] for i in self._photo_rows)
        ]
        await replace_links(listings, self.now, self.actor)
        self._photo_rows = set()


def _superseded(spec: EntitySpec, previous: dict[str, Any]) -> dict[str, Any]:
    """The revision row of a version a change replaces: its data, and who wrote it when."""
    return {
        "entity": spec.name,
        "entity_id": previous["id"],
        "version": previous["version"],
        "data": spec.snapshot(previous),
        "actor": previous["written_by"],
        "stream": previous["written_stream"],
        "mutation_id": previous["written_mutation"],
        "change_seq": previous["change_seq"],
        "created_at": previous["updated_at"],
    }


@functools.cache
def _column_defaults(spec: EntitySpec) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Every column's default as a typed value, and the columns whose default is mutable."""
    out = {}
    for column in spec.table._meta.columns:
        value = column.default
        if hasattr(value, "python"):  # e.g. TimestamptzNow: set when the row is made
            continue
        if column._meta.name in spec.json_columns and isinstance(value, str):
            value = msgspec.json.decode(value)  # piccolo keeps JSON defaults as text
        out[column._meta.name] = value
    return out, tuple(k for k, v in out.items() if isinstance(v, list | dict))
