"""Importing a roster file: plan every row (create / update / unchanged / error), commit the plan
as one server write (all or nothing, audited, pulled by phones), and undo a committed batch.

A row matches an existing one by its stable key: name + employer + township for a talent, name
+ village/community for a centre. Two rows of one file with the same key are both refused, so
an import never makes a silent duplicate.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from server.accounts.deps import require_role
from server.accounts.schemas import CurrentUser
from server.db import new_id
from server.errors import ApiError, not_found
from server.imports import repository as repo
from server.imports.mapping import FIELDS, Kind, auto_mapping, check_mapping
from server.imports.parsing import read_sheet
from server.imports.schemas import BatchOut, PreviewOut, RowAction, RowOut
from server.imports.values import parse_row
from server.rosters.pinyin import initials
from server.security import FieldCipher
from server.settings import get_settings
from server.sync.write import server_write

STREAM = "server:import"


@dataclass
class RowPlan:
    """One file row's fate, and what committing it writes."""

    row: int
    name: str
    messages: list[str]
    action: RowAction = "error"
    values: dict[str, Any] | None = None
    entity_id: uuid.UUID | None = None
    current: dict[str, Any] | None = None
    changed: list[str] = field(default_factory=list)


@dataclass
class Plan:
    headers: list[str]
    mapping: dict[str, str]
    rows: list[RowPlan] = field(default_factory=list)
    #: Values to write: new rows, and (id, new values, values before) of updated ones.
    creates: list[dict[str, Any]] = field(default_factory=list)
    updates: list[tuple[uuid.UUID, dict[str, Any], dict[str, Any]]] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)


def _key(kind: Kind, values: dict[str, Any]) -> tuple[Any, ...]:
    if kind == "talent":
        return (values["name"], values["employer"], values["org_unit"])
    return (values["name"], values["org_unit"])


async def plan(
    kind: Kind,
    data: bytes,
    filename: str,
    mapping: dict[str, str] | None,
    user: CurrentUser,
    *,
    stage: bool = False,
) -> Plan:
    """Read the file and decide what each row would do (with ``stage``, also the rows to write);
    writes nothing."""
    require_role(user, "admin")
    sheet = read_sheet(data, filename)
    chosen = auto_mapping(kind, sheet.headers) if mapping is None else mapping
    columns = check_mapping(kind, sheet.headers, chosen)
    units = await repo.units_in_scope(user)
    cipher = FieldCipher(get_settings().secret_key)
    existing: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in await repo.live_rows(kind, user):
        existing.setdefault(_key(kind, row), []).append(row)
    result = Plan(sheet.headers, chosen)
    first_line: dict[tuple[Any, ...], RowPlan] = {}
    for number, cells in sheet.rows:
        parsed = parse_row(kind, {k: cells[i] for k, i in columns.items()}, units)
        out = RowPlan(number, parsed.values["name"], parsed.errors)
        result.rows.append(out)
        if parsed.errors:
            continue
        values = parsed.values
        key = _key(kind, values)
        if key in first_line:
            other = first_line[key]
            out.messages.append(f"与第 {other.row} 行重复（同一{_key_words(kind)}）")
            if other.action != "error":
                other.messages.append(f"与第 {number} 行重复（同一{_key_words(kind)}）")
                other.action = "error"
            continue
        first_line[key] = out
        matches = existing.get(key, [])
        if len(matches) > 1:
            out.messages.append(
                f"名单中已有 {len(matches)} 条相同{_key_words(kind)}的记录，请先合并"
            )
            continue
        _decide(kind, values, matches[0] if matches else None, cipher, out)
    if stage:  # only a commit pays for ids, pinyin and encryption
        for out in result.rows:  # (rows found duplicate later have lost their write)
            if out.action in ("create", "update"):
                _stage(kind, out, result, cipher)
    return result


def _key_words(kind: Kind) -> str:
    return "姓名、工作单位和镇街" if kind == "talent" else "名称和村社区"


def _decide(
    kind: Kind,
    values: dict[str, Any],
    current: dict[str, Any] | None,
    cipher: FieldCipher,
    out: RowPlan,
) -> None:
    same_name = current is not None and current["name"] == values["name"]
    values["name_initials"] = current["name_initials"] if current and same_name else ""
    out.values = values
    if current is None:
        out.action = "create"
        return
    out.entity_id = current["id"]
    changed = []
    for column in repo.COLUMNS[kind]:
        if column == "name_initials":
            continue  # follows the name
        if column == "phone_encrypted":
            if (values["phone"] or None) != cipher.decrypt(current[column]):
                changed.append("phone")
        elif values[column] != current[column]:
            changed.append(column)
    out.current = current
    out.action = "update" if changed else "unchanged"
    out.changed = changed


def _stage(kind: Kind, out: RowPlan, result: Plan, cipher: FieldCipher) -> None:
    values = dict(out.values or {})
    values["name_initials"] = values["name_initials"] or initials(values["name"])
    if kind == "talent":
        phone = values.pop("phone")
        if out.current is not None and "phone" not in out.changed:
            values["phone_encrypted"] = out.current["phone_encrypted"]
        else:
            values["phone_encrypted"] = cipher.encrypt(phone) if phone else None
    if out.action == "create":
        out.entity_id = new_id()
        result.creates.append({"id": out.entity_id, **values})
    else:
        assert out.entity_id is not None and out.current is not None
        before = {c: out.current[c] for c in repo.COLUMNS[kind]}
        result.updates.append((out.entity_id, values, before))


def preview_of(kind: Kind, result: Plan) -> PreviewOut:
    """What the dry run shows: the mapping used and every row's fate."""
    return PreviewOut(
        kind=kind,
        headers=result.headers,
        mapping=result.mapping,
        fields=[{"key": f.key, "label": f.label, "required": f.required} for f in FIELDS[kind]],
        created=result.count("create"),
        updated=result.count("update"),
        unchanged=result.count("unchanged"),
        errors=result.count("error"),
        rows=[
            RowOut(row=r.row, action=r.action, name=r.name, messages=r.messages, changed=r.changed)
            for r in result.rows
        ],
    )


async def commit(
    kind: Kind,
    data: bytes,
    filename: str,
    mapping: dict[str, str] | None,
    user: CurrentUser,
    ip: str,
) -> BatchOut:
    """Plan the file again and write it as one batch, or nothing if any row has an error."""
    result = await plan(kind, data, filename, mapping, user, stage=True)
    errors = result.count("error")
    if errors:
        raise ApiError(
            422,
            "import.rows_invalid",
            f"有 {errors} 行有错误，请改正后再导入（整批未写入）",
            {"field": "file", "errors": errors},
        )
    if not result.creates and not result.updates:
        raise ApiError(409, "import.nothing_to_do", "文件中的数据与名单一致，无需导入")
    async with server_write(user, STREAM, ip=ip) as write:
        await repo.insert_rows(kind, result.creates, write.change_seq, write.now)
        updates = [{"id": row_id, **values} for row_id, values, _ in result.updates]
        await repo.update_rows(kind, updates, write.change_seq, write.now)
        batch_id = new_id()
        batch: dict[str, Any] = {
            "id": batch_id,
            "kind": kind,
            "filename": filename[:200],
            "actor": user.id,
            "unit_path": user.org_unit_path,
            "created": len(result.creates),
            "updated": len(result.updates),
            "unchanged": result.count("unchanged"),
            "created_at": write.now,
            "undone_at": None,
            "undone_by": None,
        }
        await repo.save_batch(
            batch, [r["id"] for r in result.creates], [(i, b) for i, _, b in result.updates]
        )
        await write.audit(
            "import.commit",
            entity="import_batch",
            entity_id=batch_id,
            details={k: batch[k] for k in ("kind", "filename", "created", "updated", "unchanged")},
        )
    return BatchOut.of(batch)


async def undo(batch_id: uuid.UUID, user: CurrentUser, ip: str) -> BatchOut:
    """Undo a whole batch: rows it created are deactivated, rows it updated get their previous
    values back, all under one new change number so phones follow."""
    require_role(user, "admin")
    found = await repo.batch(batch_id)
    if found is None or not user.covers(found["unit_path"]):
        raise not_found("import batch")
    kind: Kind = found["kind"]
    async with server_write(user, STREAM, ip=ip) as write:
        if not await repo.mark_undone(batch_id, user.id, write.now):
            raise ApiError(409, "import.already_undone", "这批导入已经撤销过了")
        rows = await repo.batch_rows(batch_id)
        deactivated = [
            {"id": r["entity_id"], "deleted_at": write.now} for r in rows if r["action"] == "create"
        ]
        restored = [
            {**r["before"], "id": r["entity_id"], "org_unit": uuid.UUID(r["before"]["org_unit"])}
            for r in rows
            if r["action"] == "update"
        ]
        await repo.update_rows(kind, deactivated, write.change_seq, write.now)
        await repo.update_rows(kind, restored, write.change_seq, write.now)
        await write.audit("import.undo", entity="import_batch", entity_id=batch_id)
    found.update(undone_at=write.now, undone_by=user.id)
    return BatchOut.of(found)


async def batches(user: CurrentUser, limit: int, offset: int) -> tuple[list[BatchOut], int]:
    """Committed batches of the admin's subtree, newest first."""
    require_role(user, "admin")
    rows, total = await repo.list_batches(user, limit, offset)
    return [BatchOut.of(r) for r in rows], total
