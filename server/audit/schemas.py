"""Wire format of the audit log as admins search it."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

import msgspec


class AuditEntryOut(msgspec.Struct, kw_only=True):
    id: UUID
    created_at: dt.datetime
    actor_id: UUID | None
    actor_username: str | None
    actor_name: str | None
    action: str
    entity: str
    entity_id: str
    details: dict[str, Any]
    ip: str


class AuditQuery(msgspec.Struct, kw_only=True):
    """Filters: who (username or name, in part), what (action, or its prefix such as
    ``user.``), which record (its id), and county days from and to (inclusive)."""

    actor: str | None = None
    action: str | None = None
    entity_id: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
