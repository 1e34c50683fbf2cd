"""Writing and reading the audit log."""

from __future__ import annotations

import uuid
from typing import Any

from server.audit.tables import AuditLog
from server.db import new_id, utcnow


async def record(
    action: str,
    *,
    actor_id: uuid.UUID | None,
    entity: str = "",
    entity_id: str | uuid.UUID = "",
    details: dict[str, Any] | None = None,
    ip: str = "",
) -> None:
    """Append one entry. Call inside the transaction of the action it records, when there is one."""
    await AuditLog.insert(
        AuditLog(
            id=new_id(),
            actor=actor_id,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            details=details or {},
            ip=ip,
            created_at=utcnow(),
        )
    )


async def entries(action: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    query = AuditLog.select().order_by(AuditLog.created_at, ascending=False).limit(limit)
    if action:
        query = query.where(AuditLog.action == action)
    return await query


async def search(where: Any, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
    """A page of entries matching ``where`` (built by server.audit.service), newest first."""
    total = await AuditLog.count().where(where)
    rows = await (
        AuditLog.select(
            *AuditLog._meta.columns,
            AuditLog.actor.username.as_alias("actor_username"),
            AuditLog.actor.display_name.as_alias("actor_name"),
        )
        .where(where)
        .order_by(AuditLog.created_at, ascending=False)
        .order_by(AuditLog.id)
        .limit(limit)
        .offset(offset)
    )
    return total, rows
