"""A record's history: every version with who wrote it, when, and the fields it changed (from the
stored revisions, ``server.sync.tables.Revision``), and every review decision with its comment."""

from __future__ import annotations

import uuid
from typing import Any

from server.accounts.tables import User
from server.db import json_load
from server.desk.schemas import DecisionOut, FieldChange, RecordKind, VersionOut
from server.reviews.tables import ReviewDecision
from server.sync.registry import record_spec
from server.sync.tables import Revision

#: Bookkeeping that changes on every write and says nothing to a reader.
_IGNORED = frozenset({"id", "entity", "version", "updated_at", "change_seq"})


def _diff(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    return [
        FieldChange(field=key, before=before.get(key), after=after.get(key))
        for key in sorted(set(before) | set(after))
        if key not in _IGNORED and before.get(key) != after.get(key)
    ]


async def _names(ids: set[Any]) -> dict[Any, str]:
    ids.discard(None)
    if not ids:
        return {}
    found = await User.select(User.id, User.display_name).where(User.id.is_in(list(ids)))
    return {u["id"]: u["display_name"] for u in found}


async def versions(kind: RecordKind, record_id: uuid.UUID) -> list[VersionOut]:
    """Oldest first; the first version lists every field it set."""
    spec = record_spec(kind)
    table: Any = spec.table
    current = await table.select().where(table.id == record_id).first()
    if current is None:
        return []
    revisions = await (
        Revision.select()
        .where((Revision.entity == kind) & (Revision.entity_id == record_id))
        .order_by(Revision.version)
    )
    values = spec.from_db(current)
    stack = [
        (r["version"], json_load(r["data"]), r["actor"], r["stream"], r["created_at"])
        for r in revisions
    ]
    stack.append(
        (
            current["version"],
            spec.snapshot(values),
            current["written_by"],
            current["written_stream"],
            current["updated_at"],
        )
    )
    names = await _names({s[2] for s in stack})
    out: list[VersionOut] = []
    before: dict[str, Any] = {}
    for version, data, actor, stream, at in stack:
        out.append(
            VersionOut(
                version=version,
                actor_id=actor,
                actor_name=names.get(actor, ""),
                stream=stream,
                at=at,
                changes=_diff(before, data),
            )
        )
        before = data
    return out


async def decisions(kind: RecordKind, record_id: uuid.UUID) -> list[DecisionOut]:
    """Every review decision on the record, oldest first."""
    rows = await (
        ReviewDecision.select()
        .where((ReviewDecision.entity == kind) & (ReviewDecision.record_id == record_id))
        .order_by(ReviewDecision.created_at)
    )
    names = await _names({r["reviewer"] for r in rows})
    return [
        DecisionOut(
            decision=r["decision"],
            comment=r["comment"],
            reviewer_id=r["reviewer"],
            reviewer_name=names.get(r["reviewer"], ""),
            reviewed_version=r["reviewed_version"],
            version=r["version"],
            at=r["created_at"],
        )
        for r in rows
    ]
