"""Field conflicts: listing those a user may see, and resolving one.

A conflict is visible to its author and to whoever may read the record it belongs to
(``server.accounts.scope``). Resolving writes the chosen value like any other edit: a new
version, a revision and a change for pull.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

import msgspec
from piccolo.columns import Column
from piccolo.table import Table

from server.accounts.schemas import CurrentUser
from server.accounts.scope import record_filter
from server.accounts.tables import User
from server.audit import repository as audit
from server.db import json_load, transaction, utcnow
from server.errors import ApiError, not_found
from server.inspections.tables import Inspection
from server.rosters.tables import ServiceCenter, Talent
from server.sync.apply import check_can_write
from server.sync.changes import next_change_seq, stream_key
from server.sync.entities import DEMAND, INSPECTION, ITEM_RESULT, RECTIFICATION, SPECS, VISIT, norm
from server.sync.tables import SyncConflict
from server.sync.unit import Rejection, UnitOfWork, json_text
from server.visits.tables import Visit
from sync import protocol

State = Literal["open", "resolved", "all"]

_ROOTS: dict[str, tuple[type[Table], Column]] = {
    "visit": (Visit, Visit.visitor),
    "inspection": (Inspection, Inspection.inspector),
}
_CHILDREN = {"visit": (DEMAND,), "inspection": (ITEM_RESULT, RECTIFICATION)}
#: Who or what each kind of record is about (its field and the roster naming it), and its date.
_NAMED_BY: dict[str, tuple[str, Any, str]] = {
    "visit": ("talent_id", Talent, "visited_on"),
    "inspection": ("service_center_id", ServiceCenter, "inspected_on"),
}


async def _visible(user: CurrentUser, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    readable: set[Any] = set()
    for entity, (table, owner) in _ROOTS.items():
        ids = [r["record_id"] for r in rows if r["record_entity"] == entity]
        where = record_filter(user, owner, table.org_unit)  # type: ignore[attr-defined]
        if ids and where is not None:
            found = await table.select(table._meta.primary_key).where(
                table._meta.primary_key.is_in(ids) & where
            )
            readable.update(r["id"] for r in found)
    return [r for r in rows if r["author"] == user.id or r["record_id"] in readable]


async def _records(
    user: CurrentUser, rows: list[dict[str, Any]]
) -> dict[uuid.UUID, tuple[dict[str, Any], str, bool]]:
    """The records these conflicts belong to: each one's values, how a person names it (who or
    what was visited or inspected, and when), and whether ``user`` may write into it now (as
    :func:`_write` checks)."""
    out: dict[uuid.UUID, tuple[dict[str, Any], str, bool]] = {}
    for entity, (table, owner) in _ROOTS.items():
        ids = {r["record_id"] for r in rows if r["record_entity"] == entity}
        if not ids:
            continue
        uow = UnitOfWork(actor=user, stream="", change_seq=0, now=utcnow())
        await uow.load_ids(SPECS[entity], ids, unit_path=table.org_unit.path)  # type: ignore[attr-defined]
        found = [uow.rows[i] for i in ids if i in uow.rows]
        target_field, roster, date_field = _NAMED_BY[entity]
        names = await _names(roster, {r.get(target_field) for r in found}, "name")
        for row in found:
            target = names.get(row.get(target_field)) or row.values.get("target_unit_name", "")
            try:
                check_can_write(user, row, owner._meta.name)
                writable = True
            except Rejection:
                writable = False
            label = " · ".join(str(p) for p in (target, row.get(date_field)) if p)
            out[row.id] = (row.values, label, writable)
    return out


async def _names(table: Any, ids: set[Any], column: str) -> dict[Any, str]:
    """``column`` of the rows of ``table`` with these ids, by id."""
    wanted = list(ids - {None})
    if not wanted:
        return {}
    rows = await table.select(table.id, getattr(table, column)).where(table.id.is_in(wanted))
    return {r["id"]: r[column] for r in rows}


async def _out(user: CurrentUser, rows: list[dict[str, Any]]) -> list[protocol.ConflictRecord]:
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
    authors = await _names(User, {r["author"] for r in rows}, "display_name")
    out = []
    for r in rows:
        values = current.get(r["entity_id"], {})
        spec = SPECS[r["entity"]]
        if r["field"] == "_deleted":
            now_value: Any = values.get("deleted_at") is not None
        else:
            now_value = norm(values.get(spec.column(r["field"])))
        _, label, writable = records.get(r["record_id"], ({}, "", False))
        out.append(
            protocol.ConflictRecord(
                id=r["id"],
                entity=r["entity"],
                entity_id=r["entity_id"],
                record_entity=r["record_entity"],
                record_id=r["record_id"],
                record_label=label,
                field=r["field"],
                base_value=json_load(r["base_value"]),
                server_value=json_load(r["server_value"]),
                client_value=json_load(r["client_value"]),
                current_value=now_value,
                author_id=r["author"],
                author_name=authors.get(r["author"], ""),
                device_id=r["stream"].split(":", 1)[-1],
                mutation_id=r["mutation_id"],
                created_at=r["created_at"],
                resolved=r["resolved_at"] is not None,
                resolution=r["resolution"],
                resolved_value=json_load(r["resolved_value"]),
                resolved_by_id=r["resolved_by"],
                resolved_at=r["resolved_at"],
                writable=writable,
            )
        )
    return out


async def list_conflicts(
    user: CurrentUser, state: State = "open", record_id: uuid.UUID | None = None, limit: int = 200
) -> list[protocol.ConflictRecord]:
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
    return await _out(user, (await _visible(user, rows))[:limit])


async def resolve(
    user: CurrentUser, conflict_id: uuid.UUID, request: protocol.ResolveRequest, *, ip: str = ""
) -> protocol.ConflictRecord:
    """Settle a conflict; the decision is audited like a review (who, which value, from where)."""
    now = utcnow()
    stream = stream_key(user.id, user.device_id)
    async with transaction():
        change_seq = await next_change_seq(user.id, stream, now)
        row = await SyncConflict.select().where(SyncConflict.id == conflict_id).first()
        if row is None or not await _visible(user, [row]):
            raise not_found("conflict")
        if row["resolved_at"] is not None:
            raise ApiError(409, "sync.already_resolved", "this conflict is already resolved")
        resolved_value = None
        if request.resolution != "server":
            if request.resolution == "client":
                value = json_load(row["client_value"])
            else:
                value = request.value
            resolved_value = await _write(
                user, row, value, stream=stream, change_seq=change_seq, now=now
            )
        await SyncConflict.update(
            {
                SyncConflict.resolved_at: now,
                SyncConflict.resolved_by: user.id,
                SyncConflict.resolution: request.resolution,
                SyncConflict.resolved_value: json_text(resolved_value),
            }
        ).where(SyncConflict.id == conflict_id)
        await audit.record(
            "sync.conflict_resolve",
            actor_id=user.id,
            entity=row["record_entity"],
            entity_id=row["record_id"],
            details={
                "conflict_id": str(conflict_id),
                "entity": row["entity"],
                "field": row["field"],
                "resolution": request.resolution,
            },
            ip=ip,
        )
    resolved = await SyncConflict.select().where(SyncConflict.id == conflict_id).first()
    assert resolved is not None
    return (await _out(user, [resolved]))[0]


async def _write(
    user: CurrentUser,
    conflict: dict[str, Any],
    value: Any,
    *,
    stream: str,
    change_seq: int,
    now: Any,
) -> Any:
    """Write the chosen value as an edit by ``user``; returns it in wire form."""
    uow = UnitOfWork(actor=user, stream=stream, change_seq=change_seq, now=now)
    root_spec = VISIT if conflict["record_entity"] == "visit" else INSPECTION
    table, owner = _ROOTS[root_spec.name]
    await uow.load_ids(root_spec, [conflict["record_id"]], unit_path=table.org_unit.path)  # type: ignore[attr-defined]
    for child in _CHILDREN[root_spec.name]:
        assert child.parent_column is not None
        await uow.load(child, child.table_column(child.parent_column) == conflict["record_id"])
    root = uow.rows.get(conflict["record_id"])
    target = uow.rows.get(conflict["entity_id"])
    if root is None or target is None:
        raise not_found("record")
    uow.begin(None)
    try:
        check_can_write(user, root, owner._meta.name)
    except Rejection as exc:
        raise ApiError(409 if exc.code == "sync.locked" else 403, exc.code, exc.message) from None
    spec = target.spec
    if conflict["field"] == "_deleted":
        deleted = bool(value)
        if deleted:
            uow.delete(target)
            if target is root:
                for child in _CHILDREN[root_spec.name]:
                    for row in uow.children(child, root.id):
                        uow.delete(row)
        else:
            uow.set(target, "deleted_at", None)
        resolved: Any = deleted
    else:
        fields = {w: norm(target.get(w)) for w in spec.editable}
        fields["id"] = str(target.id)
        fields[conflict["field"]] = value
        try:
            typed = msgspec.convert(fields, spec.fields)
        except msgspec.ValidationError as exc:
            raise ApiError(400, "sync.validation", str(exc)) from None
        uow.set(target, spec.column(conflict["field"]), getattr(typed, conflict["field"]))
        resolved = norm(getattr(typed, conflict["field"]))
    if root.spec is INSPECTION:
        total = sum(r.values["score"] for r in uow.children(ITEM_RESULT, root.id) if not r.deleted)
        uow.set(root, "total_score", float(total))
    uow.commit()
    await uow.flush()
    return resolved
