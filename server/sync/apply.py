"""Applying a record mutation: the rules every record kind shares (who may write, when a record
is locked, nested rows, submit and delete), with the kind's own rules called through the hooks
of its spec (``server.sync.entities.EntitySpec``). Push and conflict resolution both come here.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from server.accounts.schemas import CurrentUser
from server.sync.entities import EntitySpec, utc
from server.sync.registry import OPERATIONS, Verb
from server.sync.rows import Rejection, Row
from server.sync.unit import UnitOfWork
from sync import protocol

#: Roles that record visits and inspections.
WRITER_ROLES = ("field_staff", "supervisor", "admin")
#: Statuses field staff may edit: a submitted record waits for review; approved counts.
STAFF_EDITABLE = ("draft", "returned")


def check_writer(user: CurrentUser) -> None:
    if user.role not in WRITER_ROLES:
        raise Rejection("sync.forbidden", f"a {user.role} does not record visits or inspections")


def check_can_write(user: CurrentUser, row: Row) -> None:
    """The owner edits their own records; supervisors and admins those of their subtree."""
    if row.deleted:
        raise Rejection("sync.not_found", f"{row.spec.name} {row.id} was deleted")
    if user.role == "field_staff":
        if row.values[row.spec.owner_column] != user.id:
            raise Rejection("sync.forbidden", f"this {row.spec.name} is not yours")
        if row.values["status"] not in STAFF_EDITABLE:
            raise Rejection(
                "sync.locked",
                f"this {row.spec.name} is {row.values['status']}: it can be edited only if returned",
                status=row.values["status"],
            )
    elif not user.covers(row.meta.get("unit_path") or ""):
        raise Rejection("sync.forbidden", f"this {row.spec.name} is outside your area")
    elif row.values["status"] == "approved":
        raise Rejection("sync.locked", f"this {row.spec.name} is approved", status="approved")


def check_owner(
    user: CurrentUser, row: Row | None, spec: EntitySpec, *, deleted_ok: bool = False
) -> Row:
    """Submit and delete are the owner's alone."""
    if row is None or (row.deleted and not deleted_ok):
        raise Rejection("sync.not_found", f"{spec.name} not found")
    if row.values[spec.owner_column] != user.id:
        raise Rejection("sync.forbidden", f"only the owner can do this to a {spec.name}")
    return row


def columns(spec: EntitySpec, fields: Any) -> dict[str, Any]:
    """Column values of a device's ``*Fields`` struct."""
    values = dict(zip(spec.editable_column_names, spec.read_editable(fields), strict=True))
    for column in spec.time_columns:
        if values[column] is not None:
            values[column] = utc(values[column])
    values["id"] = fields.id
    if "photos" in values:
        values["photos"] = list(dict.fromkeys(values["photos"]))
    return values


async def put_record(
    uow: UnitOfWork, spec: EntitySpec, record: Any, base_version: int
) -> tuple[Row, list[protocol.FieldConflict]]:
    """Create or edit a record and its nested rows (a ``*.put``), driving the spec's hooks.

    The kind's ``check`` runs once the writer may touch the row and before anything changes; a
    new record belongs to the writer and their unit and starts as a draft. Then each nested
    kind's rows are put (:func:`put_children`), and ``after_put`` derives what depends on them.
    """
    user = uow.actor
    check_writer(user)
    row = uow.get(spec, record.id)
    if row is None and base_version > 0:
        raise Rejection("sync.not_found", f"{spec.name} {record.id} not found")
    if row is not None:
        check_can_write(user, row)
    if spec.check is not None:
        spec.check(uow, record, row)
    conflicts: list[protocol.FieldConflict] = []
    if row is None:
        values = columns(spec, record)
        values.update({spec.owner_column: user.id, "org_unit": user.org_unit_id, "status": "draft"})
        row = uow.create(spec, values)
        row.meta["unit_path"] = user.org_unit_path
    else:
        conflicts = await uow.merge(row, record, base_version)
    for child in spec.children:
        conflicts += await put_children(uow, child, row, getattr(record, child.items_field))
    if spec.after_put is not None:
        spec.after_put(uow, row)
    return row, conflicts


async def put_children(
    uow: UnitOfWork, spec: EntitySpec, parent: Row, items: Sequence[Any]
) -> list[protocol.FieldConflict]:
    """Create, edit or withdraw nested rows (demands, item results, rectifications).

    Rows left out are unchanged. A withdrawal is kept as a ``_deleted`` conflict when someone
    else changed the row since the device saw it, or the spec's ``can_withdraw`` says no.
    """
    assert spec.parent_column is not None
    seen: set[uuid.UUID] = set()
    conflicts: list[protocol.FieldConflict] = []
    for item in items:
        if item.id in seen:
            raise Rejection("sync.validation", f"{spec.name} {item.id} is listed twice", field="id")
        seen.add(item.id)
        row = uow.get(spec, item.id)
        if row is None:
            if item.base_version > 0:
                raise Rejection("sync.not_found", f"{spec.name} {item.id} not found")
            if item.deleted:
                continue  # made and withdrawn before it ever reached the server
            values = columns(spec, item)
            values[spec.parent_column] = parent.id
            if spec.new_values is not None:
                values.update(spec.new_values(parent, item))
            row = uow.create(spec, values)
            if spec.on_create is not None:
                spec.on_create(uow, row)
            continue
        if row.values[spec.parent_column] != parent.id:
            raise Rejection("sync.validation", f"{spec.name} {item.id} belongs to another record")
        base = uow.effective_base(row, item.base_version)
        stale = base < row.version
        if row.deleted or item.deleted:
            if row.deleted and item.deleted:
                continue
            withdrawable = spec.can_withdraw is None or spec.can_withdraw(row)
            if item.deleted and not stale and withdrawable:
                uow.delete(row)
            else:
                conflicts.append(
                    uow.conflict(
                        row,
                        "_deleted",
                        base_value=False,
                        server_value=row.deleted,
                        client_value=item.deleted,
                        base_version=base,
                    )
                )
            continue
        conflicts.extend(await uow.merge(row, item, item.base_version))
    return conflicts


async def delete_record(
    uow: UnitOfWork, row: Row, base_version: int
) -> list[protocol.FieldConflict]:
    """Withdraw a draft and its nested rows (soft delete, so it travels as tombstones)."""
    if row.deleted:
        return []
    if row.values["status"] != "draft":
        raise Rejection(
            "sync.invalid_state",
            f"only a draft can be deleted; this {row.spec.name} is {row.values['status']}",
            status=row.values["status"],
        )
    base = uow.effective_base(row, base_version)
    if base < row.version:
        # Someone changed it since this device saw it: deleting would drop their edit unseen.
        return [
            uow.conflict(
                row,
                "_deleted",
                base_value=False,
                server_value=False,
                client_value=True,
                base_version=base,
            )
        ]
    uow.delete(row)
    for spec in row.spec.children:
        for child in uow.children(spec, row.id):
            if not child.deleted:
                uow.delete(child)
    return []


def submit_record(uow: UnitOfWork, row: Row) -> None:
    """Draft or returned → submitted. Submitting twice is harmless; approved is final."""
    status = row.values["status"]
    if status == "submitted":
        return
    if status == "approved":
        raise Rejection("sync.invalid_state", f"this {row.spec.name} is already approved")
    uow.set(row, "status", "submitted")
    uow.set(row, "submitted_at", uow.now)


Applied = tuple[Row, list[protocol.FieldConflict]]


async def put(uow: UnitOfWork, spec: EntitySpec, m: Any) -> Applied:
    """``<record>.put``: the mutation carries the record under its kind's name."""
    return await put_record(uow, spec, getattr(m, spec.name), m.base_version)


async def submit(uow: UnitOfWork, spec: EntitySpec, m: Any) -> Applied:
    """``<record>.submit``: the owner sends a complete record for review."""
    row = check_owner(uow.actor, uow.get(spec, m.id), spec)
    if spec.before_submit is not None:
        spec.before_submit(uow, row)
    submit_record(uow, row)
    return row, []


async def delete(uow: UnitOfWork, spec: EntitySpec, m: Any) -> Applied:
    """``<record>.delete``: the owner withdraws a draft."""
    row = check_owner(uow.actor, uow.get(spec, m.id), spec, deleted_ok=True)
    return row, await delete_record(uow, row, m.base_version)


#: What each verb of a registered operation does.
APPLY: dict[Verb, Callable[[UnitOfWork, EntitySpec, Any], Awaitable[Applied]]] = {
    "put": put,
    "submit": submit,
    "delete": delete,
}


async def apply(uow: UnitOfWork, m: Any) -> Applied:
    """Apply one registered mutation to the rows loaded by :func:`prefetch`."""
    verb, spec = OPERATIONS[type(m)]
    return await APPLY[verb](uow, spec, m)


async def prefetch(uow: UnitOfWork, mutations: Sequence[Any]) -> None:
    """Load, in a few queries per record kind, every row a batch of mutations touches, and let
    each kind load the reference rows its checks need."""
    wanted: dict[EntitySpec, tuple[set[uuid.UUID], list[Any]]] = {}
    for m in mutations:
        operation = OPERATIONS.get(type(m))
        if operation is None:
            continue
        verb, spec = operation
        ids, records = wanted.setdefault(spec, (set(), []))
        if verb == "put":
            record = getattr(m, spec.name)
            ids.add(record.id)
            records.append(record)
        else:
            ids.add(m.id)
    for spec, (ids, records) in wanted.items():
        await load_records(uow, spec, ids, records)


async def load_records(
    uow: UnitOfWork, spec: EntitySpec, ids: Iterable[uuid.UUID], incoming: Sequence[Any] = ()
) -> None:
    """Load records of one kind with their nested rows, and what the kind's checks of the
    ``incoming`` versions of them need (its ``prefetch`` hook)."""
    ids = set(ids)
    table: Any = spec.table
    await uow.load_ids(spec, ids, unit_path=table.org_unit.path)
    rows = [uow.rows[i] for i in ids if i in uow.rows and uow.rows[i].spec is spec]
    existing = [r.id for r in rows]
    for child in spec.children:
        if existing:
            link = child.table_column(child.parent_column or "")
            await uow.load(child, link.is_in(existing))
    if spec.prefetch is not None:
        await spec.prefetch(uow, list(incoming), rows)


def outcome(
    mutation: Any,
    row: Row,
    versions: dict[uuid.UUID, int],
    conflicts: list[protocol.FieldConflict],
) -> protocol.Applied | protocol.Conflicted:
    """The result of an applied mutation (``missing_photos`` is filled in by the caller)."""
    children = {str(k): v for k, v in versions.items() if k != row.id}
    common = {
        "mutation_id": mutation.mutation_id,
        "seq": mutation.seq,
        "entity": row.spec.name,
        "id": row.id,
        "version": row.version,
        "versions": children,
    }
    if conflicts:
        return protocol.Conflicted(**common, conflicts=conflicts)
    return protocol.Applied(**common)
