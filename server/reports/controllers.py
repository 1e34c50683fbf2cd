"""Weekly summaries for supervisors and admins: on screen (JSON) and as XLSX or CSV files.
Every file exported is written to the audit log."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote
from uuid import UUID

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, Parameter

from server.accounts.deps import client_ip
from server.accounts.schemas import CurrentUser
from server.audit import repository as audit
from server.audit.access import access_log
from server.reports import export
from server.reports.schemas import WeeklySummary
from server.reports.service import weekly_summary

#: An ISO week, "2026-W47"; the schema says what ``week_span`` accepts (its own error code).
Week = FromQuery[Annotated[str, Parameter(schema_extra={"pattern": r"^\d{4}-W\d{2}$"})]]


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

    @get("/weekly/export", summary="The weekly summary as an XLSX or CSV file (audited)")
    async def weekly_export(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        week: Week,
        format: FromQuery[Literal["xlsx", "csv"]] = "xlsx",
        campaign_id: FromQuery[UUID | None] = None,
    ) -> Response[bytes]:
        summary = await weekly_summary(current_user, week, campaign_id)
        body = export.to_xlsx(summary) if format == "xlsx" else export.to_csv(summary)
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
        return Response(
            body,
            media_type=export.XLSX_TYPE if format == "xlsx" else export.CSV_TYPE,
            headers={
                "Content-Disposition": (
                    f'attachment; filename="weekly-{summary.week}.{format}"; '
                    f"filename*=UTF-8''{quote(name)}"
                ),
                "Cache-Control": "no-store",
            },
        )
