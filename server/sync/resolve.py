"""Resolving a field conflict: keep the server's value, take the device's, or (for a paragraph)
a value merged by hand.

Writing a value is an edit like any other, and passes every rule a push of the same edit
would: the record as it is now, with the chosen value, goes through its kind's ``put`` (who may
write, the locks, the kind's checks and lookups, the withdraw rules of nested rows); taking a
deletion goes through its ``delete`` (the owner's alone, drafts only). A new version, a
revision and a change for pull follow, and the decision is audited.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from server.accounts.schemas import CurrentUser
from server.db import json_load
from server.errors import ApiError, not_found
from server.sync import apply, conflicts
from server.sync.changes import stream_key
from server.sync.entities import EntitySpec, norm
from server.sync.registry import OPERATIONS, SPECS
from server.sync.rows import Rejection, Row, json_text
from server.sync.tables import SyncConflict
from server.sync.unit import UnitOfWork
from server.sync.write import ServerWrite, server_write
from sync import protocol

#: The HTTP status of each refusal a resolution can meet (others: 400).
_STATUS = {
    "sync.not_found": 404,
    "sync.forbidden": 403,
    "sync.locked": 409,
    "sync.invalid_state": 409,
}


async def resolve(
    user: CurrentUser, conflict_id: uuid.UUID, request: protocol.ResolveRequest, *, ip: str = ""
) -> protocol.ConflictRecord:
    """Settle a conflict; the decision is audited like a review (who, which value, from where)."""
    async with server_write(user, stream_key(user.id, user.device_id), ip=ip) as write:
        row = await SyncConflict.select().where(SyncConflict.id == conflict_id).first()
        if row is None or not await conflicts.visible(user, [row]):
            raise not_found("conflict")
        if row["resolved_at"] is not None:
            raise ApiError(409, "sync.already_resolved", "this conflict is already resolved")
        resolved_value = None
        if request.resolution != "server":
            if request.resolution == "client":
                value = json_load(row["client_value"])
            else:
                spec = SPECS.get(row["entity"])
                if spec is None or row["field"] not in spec.free_text:
                    raise ApiError(
                        400,
                        "sync.validation",
                        "only a paragraph can take a value merged by hand; keep one of the two",
                        {"field": row["field"]},
                    )
                value = request.value
            try:
                resolved_value = await _write(write, row, value)
            except Rejection as exc:
                status = _STATUS.get(exc.code, 400)
                raise ApiError(status, exc.code, exc.message, exc.details) from None
        await SyncConflict.update(
            {
                SyncConflict.resolved_at: write.now,
                SyncConflict.resolved_by: user.id,
                SyncConflict.resolution: request.resolution,
                SyncConflict.resolved_value: json_text(resolved_value),
            }
        ).where(SyncConflict.id == conflict_id)
        await write.audit(
            "sync.conflict_resolve",
            entity=row["record_entity"],
            entity_id=row["record_id"],
            details={
                "conflict_id": str(conflict_id),
                "entity": row["entity"],
                "field": row["field"],
                "resolution": request.resolution,
            },
        )
    resolved = await SyncConflict.select().where(SyncConflict.id == conflict_id).first()
    assert resolved is not None
    return (await conflicts.out(user, [resolved]))[0]


async def _write(write: ServerWrite, conflict: dict[str, Any], value: Any) -> Any:
    """Write the chosen value as an edit by the resolver, through the record kind's own rules;
    returns the value written, in wire form."""
    uow = write.uow
    spec = SPECS.get(conflict["record_entity"])
    if spec is None or not spec.is_record:
        raise not_found("record")
    await apply.load_records(uow, spec, [conflict["record_id"]])
    root = uow.rows.get(conflict["record_id"])
    target = uow.rows.get(conflict["entity_id"])
    if root is None or target is None or target.spec.name != conflict["entity"]:
        raise not_found("record")
    uow.begin(None)
    field = conflict["field"]
    if field == "_deleted" and value and target is root:
        await apply.delete_record(
            uow, apply.check_owner(uow.actor, root, spec, deleted_ok=True), root.version
        )
        uow.commit()
        return True
    if field == "_deleted" and not value and target is not root and target.deleted:
        uow.set(target, "deleted_at", None)  # taken back: the record's rules still apply below
    mutation = _put(uow, spec, root, target, field, value)
    await apply.load_records(uow, spec, [root.id], [getattr(mutation, spec.name)])
    _, refused = await apply.put_record(uow, spec, getattr(mutation, spec.name), root.version)
    if refused:
        raise Rejection(
            "sync.invalid_state",
            f"the rules of this {target.spec.name} do not allow this change now",
            field=field,
        )
    uow.commit()
    return target.deleted if field == "_deleted" else norm(target.get(field))


def _put(uow: UnitOfWork, spec: EntitySpec, root: Row, target: Row, field: str, value: Any) -> Any:
    """The put mutation of the record as it is now, with ``value`` in the conflicted field."""
    data = _fields(root)
    for child in spec.children:
        items = []
        for row in uow.children(child, root.id):
            if row.deleted and row is not target:
                continue
            item = _fields(row) | {"base_version": row.version}
            if row is target and field == "_deleted":
                item["deleted"] = bool(value)
            items.append(item)
        data[child.items_field] = items
    if field != "_deleted":
        where = (
            data
            if target is root
            else next(i for i in data[target.spec.items_field] if i["id"] == str(target.id))
        )
        where[field] = value
    put = next(t for t, (verb, s) in OPERATIONS.items() if verb == "put" and s is spec)
    body = {"mutation_id": str(uuid.uuid4()), "seq": 1, "base_version": root.version}
    try:
        return msgspec.convert({**body, spec.name: data}, put)
    except msgspec.ValidationError as exc:
        raise Rejection("sync.validation", str(exc), field=field) from None


def _fields(row: Row) -> dict[str, Any]:
    """A row's editable fields in wire form."""
    return {"id": str(row.id)} | {w: norm(row.get(w)) for w in row.spec.editable}
