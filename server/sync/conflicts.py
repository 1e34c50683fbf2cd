"""Field conflicts: listing those a user may see (resolving one: ``server.sync.resolve``).

A conflict is visible to its author and to whoever may read the record it belongs to (the same
rule as pull, ``server.sync.registry``).
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

import msgspec

from server.accounts.schemas import CurrentUser
from server.accounts.tables import User
from server.db import json_load, utcnow
from server.sync.apply import check_can_write
from server.sync.entities import norm, wire_names
from server.sync.registry import SOURCES, SPECS
from server.sync.rows import Rejection
from server.sync.tables import SyncConflict
from server.sync.unit import UnitOfWork
from sync import protocol

State = Literal["open", "resolved", "all"]

_JSON = ("base_value", "server_value", "client_value", "resolved_value")
_WIRE = wire_names(SyncConflict)


async def visible(user: CurrentUser, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conflicts ``user`` may see: their own, and those of records they may read."""
    readable: set[Any] = set()
    for kind in {r["record_entity"] for r in rows}:
        spec, source = SPECS.get(kind), SOURCES.get(kind)
        where = source.visible(user) if source else None
        if spec is None or where is None:
            continue
        pk = spec.table._meta.primary_key
        ids = [r["record_id"] for r in rows if r["record_entity"] == kind]
        found = await spec.table.select(pk.as_alias("id")).where(pk.is_in(ids) & where)
        readable.update(r["id"] for r in found)
    return [r for r in rows if r["author"] == user.id or r["record_id"] in readable]


async def _records(
    user: CurrentUser, rows: list[dict[str, Any]]
) -> dict[uuid.UUID, tuple[dict[str, Any], str, bool]]:
    """The records these conflicts belong to: each one's values, how a person names it (who or
    what was visited or inspected, and when), and whether ``user`` may write into it now."""
    out: dict[uuid.UUID, tuple[dict[str, Any], str, bool]] = {}
    uow = UnitOfWork(actor=user, stream="", change_seq=0, now=utcnow())
    for kind in {r["record_entity"] for r in rows}:
        spec = SPECS.get(kind)
        if spec is None:
            continue
        ids = {r["record_id"] for r in rows if r["record_entity"] == kind}
        table: Any = spec.table
        await uow.load_ids(spec, ids, unit_path=table.org_unit.path)
        found = [uow.rows[i] for i in ids if i in uow.rows and uow.rows[i].spec is spec]
        labels = await spec.describe(found) if spec.describe else {}
        for row in found:
            try:
                check_can_write(user, row)
                writable = True
            except Rejection:
                writable = False
            out[row.id] = (row.values, labels.get(row.id, ""), writable)
    return out


async def _names(ids: set[Any]) -> dict[Any, str]:
    wanted = list(ids - {None})
    if not wanted:
        return {}
    rows = await User.select(User.id, User.display_name).where(User.id.is_in(wanted))
    return {r["id"]: r["display_name"] for r in rows}


async def out(user: CurrentUser, rows: list[dict[str, Any]]) -> list[protocol.ConflictRecord]:
    """The API form of stored conflicts, with each field's value now."""
    records = await _records(user, rows)
    # Each changed row's values now: the records are loaded already, their nested rows are not.
    current: dict[Any, dict[str, Any]] = {i: values for i, (values, _, _) in records.items()}
    for name, spec in SPECS.items():
        ids = [
            r["entity_id"] for r in rows if r["entity"] == name and r["entity_id"] not in current
        ]
        if ids:
            for row in await spec.table.select().where(spec.table._meta.primary_key.is_in(ids)):
                current[row["id"]] = spec.from_db(row)
    authors = await _names({r["author"] for r in rows})
    conflicts = []
    for r in rows:
        values = current.get(r["entity_id"], {})
        kind = SPECS.get(r["entity"])
        if r["field"] == "_deleted":
            now_value: Any = values.get("deleted_at") is not None
        else:
            now_value = norm(values.get(kind.column(r["field"]))) if kind else None
        _, label, writable = records.get(r["record_id"], ({}, "", False))
        wire = {_WIRE.get(k, k): json_load(v) if k in _JSON else v for k, v in r.items()}
        wire.update(
            record_label=label,
            current_value=now_value,
            author_name=authors.get(r["author"], ""),
            device_id=r["stream"].split(":", 1)[-1],
            resolved=r["resolved_at"] is not None,
            writable=writable,
        )
        conflicts.append(msgspec.convert(wire, protocol.ConflictRecord))
    return conflicts


async def list_conflicts(
    user: CurrentUser, state: State = "open", record_id: uuid.UUID | None = None, limit: int = 200
) -> list[protocol.ConflictRecord]:
    """The conflicts ``user`` may see, newest first."""
    where: Any = SyncConflict.id.is_not_null()
    if state == "open":
        where = SyncConflict.resolved_at.is_null()
    elif state == "resolved":
        where = SyncConflict.resolved_at.is_not_null()
    if record_id is not None:
        where &= SyncConflict.record_id == record_id
    rows = await (
        SyncConflict.select().where(where).order_by(SyncConflict.created_at, ascending=False)
    )
    return await out(user, (await visible(user, rows))[:limit])
