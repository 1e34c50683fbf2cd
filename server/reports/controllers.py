"""Weekly summaries for supervisors and admins: on screen (JSON), as files (XLSX, DOCX, CSV),
and the stored history. Every file handed out is written to the audit log."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from server.accounts.deps import client_ip, roles_only
from server.accounts.schemas import CurrentUser
from server.audit import repository as audit
from server.audit.access import access_log
from server.records import Limit, Offset, Page
from server.reports import export, history, word
from server.reports.schemas import GenerateIn, StoredReportOut, WeeklySummary
from server.reports.service import weekly_summary

#: An ISO week, "2026-W47"; the schema says what ``week_span`` accepts (its own error code).
Week = FromQuery[Annotated[str, Parameter(schema_extra={"pattern": r"^\d{4}-W\d{2}$"})]]
Format = Literal["xlsx", "docx", "csv"]
_TYPES = {"xlsx": export.XLSX_TYPE, "docx": word.DOCX_TYPE, "csv": export.CSV_TYPE}


def _file(body: bytes, fmt: str, name: str, ascii_name: str) -> Response[bytes]:
    return Response(
        body,
        media_type=_TYPES[fmt],
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
            ),
            "Cache-Control": "no-store",
        },
    )


class ReportController(Controller):
    path = "/api/reports"
    tags = ["reports"]

    @get("/weekly", summary="The weekly summary of the caller's area (ISO week, e.g. 2026-W47)")
    async def weekly(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        week: Week,
        campaign_id: FromQuery[UUID | None] = None,
    ) -> WeeklySummary:
        summary = await weekly_summary(current_user, week, campaign_id)
        access_log(request).read(request, current_user, "weekly_report", summary.week)
        return summary

    @get("/weekly/export", summary="The weekly summary as an XLSX, DOCX or CSV file (audited)")
    async def weekly_export(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        week: Week,
        format: FromQuery[Format] = "xlsx",
        campaign_id: FromQuery[UUID | None] = None,
    ) -> Response[bytes]:
        summary = await weekly_summary(current_user, week, campaign_id)
        body = history.files_in(summary, format)
        await audit.record(
            "report.export",
            actor_id=current_user.id,
            entity="weekly_report",
            entity_id=summary.week,
            details={
                "format": format,
                "unit": summary.unit_name,
                "campaign": summary.campaign_name,
                "bytes": len(body),
            },
            ip=client_ip(request),
        )
        name = f"周报-{summary.week}-{summary.unit_name}.{format}"
        return _file(body, format, name, f"weekly-{summary.week}.{format}")

    @get("/history", summary="Stored summaries of the caller's subtree, newest first")
    async def history_list(
        self,
        current_user: NamedDependency[CurrentUser],
        org_unit_id: FromQuery[UUID | None] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[StoredReportOut]:
        total, items = await history.history(current_user, org_unit_id, limit, offset)
        return Page(total=total, items=items)

    @post(
        "/history",
        summary="Store a week's summary of the caller's area now (audited)",
        guards=[roles_only("supervisor", "admin")],
    )
    async def history_generate(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        data: JSONBody[GenerateIn],
    ) -> StoredReportOut:
        return await history.generate_for(
            current_user, data.week, data.campaign_id, client_ip(request)
        )

    @get("/history/{report_id:uuid}/{fmt:str}", summary="A stored summary's file (audited)")
    async def history_file(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        report_id: FromPath[UUID],
        fmt: FromPath[Format],
    ) -> Response[bytes]:
        body, name = await history.download(current_user, report_id, fmt, client_ip(request))
        return _file(body, fmt, name, f"weekly-{report_id}.{fmt}")
