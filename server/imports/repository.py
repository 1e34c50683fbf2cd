"""Queries of the import domain: the units and roster rows in an admin's subtree, writing roster
rows with a change number (so phones pull them), and the batches with their undo snapshots."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec

from server.accounts.schemas import CurrentUser
from server.accounts.tables import OrgUnit
from server.db import json_load, new_id
from server.db.bulk import insert_many, update_many
from server.imports.mapping import Kind
from server.imports.tables import ImportBatch, ImportRow
from server.imports.values import Units
from server.rosters.tables import ServiceCenter, Talent

TABLES: dict[str, Any] = {"talent": Talent, "service_center": ServiceCenter}
#: The columns an import sets, per kind (``phone_encrypted`` stands for the phone).
COLUMNS: dict[str, tuple[str, ...]] = {
    "talent": (
        "name",
        "name_initials",
        "employer",
        "org_unit",
        "category",
        "level",
        "field",
        "title",
        "phone_encrypted",
        "contact_leader",
        "liaison_staff",
        "roster_year",
    ),
    "service_center": ("name", "name_initials", "org_unit", "address", "latitude", "longitude"),
}


async def units_in_scope(user: CurrentUser) -> Units:
    """Townships (and subdistricts) in the user's subtree, and the villages under each."""
    rows = await OrgUnit.select(OrgUnit.id, OrgUnit.name, OrgUnit.kind, OrgUnit.parent).where(
        OrgUnit.path.like(f"{user.org_unit_path}%")
    )
    townships = {r["name"]: r["id"] for r in rows if r["kind"] in ("township", "subdistrict")}
    villages = {
        (r["parent"], r["name"]): r["id"] for r in rows if r["kind"] in ("village", "community")
    }
    return Units(townships, villages)


async def live_rows(kind: Kind, user: CurrentUser) -> list[dict[str, Any]]:
    """Every live roster row of ``kind`` in the user's subtree (the rows an import may match)."""
    table = TABLES[kind]
    columns = [table.id, *(getattr(table, c) for c in COLUMNS[kind])]
    return await table.select(*columns).where(
        table.org_unit.path.like(f"{user.org_unit_path}%") & table.deleted_at.is_null()
    )


async def rows_by_id(kind: Kind, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    table = TABLES[kind]
    out = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for r in await table.select(table.id, *(getattr(table, c) for c in COLUMNS[kind])).where(
            table.id.is_in(chunk)
        ):
            out[r["id"]] = r
    return out


async def insert_rows(
    kind: Kind, rows: list[dict[str, Any]], change_seq: int, now: dt.datetime
) -> None:
    """Insert new roster rows stamped with the write's change number."""
    stamp = {"change_seq": change_seq, "created_at": now, "updated_at": now, "deleted_at": None}
    await insert_many(TABLES[kind], [{**r, **stamp} for r in rows])


async def update_rows(
    kind: Kind, rows: list[dict[str, Any]], change_seq: int, now: dt.datetime
) -> None:
    """Change roster rows (each names its ``id``; all the same columns) under the write's change
    number: an update, a restore or a deactivation phones then pull."""
    stamp = {"change_seq": change_seq, "updated_at": now}
    await update_many(TABLES[kind], [{**r, **stamp} for r in rows])


async def save_batch(
    batch: dict[str, Any], created: list[uuid.UUID], updated: list[tuple[uuid.UUID, dict[str, Any]]]
) -> None:
    """Store a committed batch and what undoing each of its rows needs."""
    await insert_many(ImportBatch, [batch])
    rows = [
        {"id": new_id(), "batch": batch["id"], "entity_id": i, "action": "create", "before": None}
        for i in created
    ] + [
        {
            "id": new_id(),
            "batch": batch["id"],
            "entity_id": i,
            "action": "update",
            "before": msgspec.json.encode(before).decode(),
        }
        for i, before in updated
    ]
    await insert_many(ImportRow, rows)


async def list_batches(
    user: CurrentUser, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    where = ImportBatch.unit_path.like(f"{user.org_unit_path}%")
    total = await ImportBatch.count().where(where)
    rows = (
        await ImportBatch.select()
        .where(where)
        .order_by(ImportBatch.created_at, ascending=False)
        .limit(limit)
        .offset(offset)
    )
    return rows, total


async def batch(batch_id: uuid.UUID) -> dict[str, Any] | None:
    return await ImportBatch.select().where(ImportBatch.id == batch_id).first()


async def batch_rows(batch_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await ImportRow.select(ImportRow.entity_id, ImportRow.action, ImportRow.before).where(
        ImportRow.batch == batch_id
    )
    for r in rows:
        r["before"] = json_load(r["before"]) if r["before"] else None
    return rows


async def mark_undone(batch_id: uuid.UUID, user_id: uuid.UUID, now: dt.datetime) -> int:
    """Mark a batch undone unless it already is; returns how many rows that changed (0 or 1)."""
    done = (
        await ImportBatch.update({"undone_at": now, "undone_by": user_id})
        .where((ImportBatch.id == batch_id) & ImportBatch.undone_at.is_null())
        .returning(ImportBatch.id)
    )
    return len(done)
