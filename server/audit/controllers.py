"""The audit log for admins: searched on screen, exported as CSV (the export itself audited)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery

from server.accounts.deps import client_ip, roles_only
from server.accounts.schemas import CurrentUser
from server.audit import service
from server.audit.schemas import AuditEntryOut, AuditQuery
from server.records import Limit, Offset, Page


class AuditController(Controller):
    path = "/api/admin/audit"
    guards = [roles_only("admin")]
    tags = ["admin"]

    @get("", summary="Search the audit log (admins, actors of their subtree)")
    async def search(
        self,
        current_user: NamedDependency[CurrentUser],
        actor: FromQuery[str | None] = None,
        action: FromQuery[str | None] = None,
        entity_id: FromQuery[str | None] = None,
        since: FromQuery[dt.date | None] = None,
        until: FromQuery[dt.date | None] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[AuditEntryOut]:
        query = AuditQuery(
            actor=actor, action=action, entity_id=entity_id, since=since, until=until
        )
        total, items = await service.search(current_user, query, limit, offset)
        return Page(total=total, items=items)

    @get("/export", summary="The matching audit entries as CSV (audited)")
    async def export(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        actor: FromQuery[str | None] = None,
        action: FromQuery[str | None] = None,
        entity_id: FromQuery[str | None] = None,
        since: FromQuery[dt.date | None] = None,
        until: FromQuery[dt.date | None] = None,
    ) -> Response[bytes]:
        query = AuditQuery(
            actor=actor, action=action, entity_id=entity_id, since=since, until=until
        )
        body = await service.export(current_user, query, client_ip(request))
        return Response(
            body,
            media_type=service.CSV_TYPE,
            headers={
                "Content-Disposition": 'attachment; filename="audit-log.csv"',
                "Cache-Control": "no-store",
            },
        )
