"""Stored summaries: generated on schedule or on demand, kept with their files, and listed for
reviewers to browse and download later.

Every Monday at 08:00 county time (``WEEKLY_REPORT_AT``) the ``reports.weekly`` job stores the
previous week's summary of every unit that has a reviewer. The job runs once across processes
(:mod:`server.jobs`); a retry stores only the units still missing, so a failure halfway through
neither repeats nor loses a unit.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

import msgspec

from server.accounts.schemas import CurrentUser
from server.accounts.scope import SUBTREE_ROLES
from server.audit import repository as audit
from server.db import SHANGHAI, json_load, transaction
from server.errors import forbidden, not_found
from server.jobs import Job, Run, Weekly
from server.reports import export, repository, word
from server.reports.schemas import StoredReportOut, WeeklySummary
from server.reports.service import Area, area_summary, iso_week

log = logging.getLogger(__name__)

#: The files each stored summary keeps, by format.
FORMATS = ("xlsx", "docx", "csv")


_WRITERS = {"xlsx": export.to_xlsx, "docx": word.to_docx, "csv": export.to_csv}


def files_in(summary: WeeklySummary, fmt: str) -> bytes:
    """The summary as a file of one format (``xlsx``, ``docx`` or ``csv``)."""
    return _WRITERS[fmt](summary)


def files(summary: WeeklySummary) -> dict[str, bytes]:
    """The summary in every stored format."""
    return {fmt: files_in(summary, fmt) for fmt in FORMATS}


async def generate(
    area: Area,
    week: str,
    campaign_id: uuid.UUID | None = None,
    *,
    by: uuid.UUID | None = None,
    ip: str = "",
) -> tuple[uuid.UUID, WeeklySummary]:
    """Compute, render and store one week's summary of ``area`` (audited); ``by`` is who asked
    (None: the schedule)."""
    summary = await area_summary(area, week, campaign_id)
    made = files(summary)
    async with transaction():
        report_id = await repository.store(
            unit_id=area.unit_id,
            campaign_id=summary.campaign_id,
            kind="week",
            period=summary.week,
            starts_on=summary.starts_on,
            ends_on=summary.ends_on,
            figures=msgspec.to_builtins(summary),
            files=made,
            by=by,
        )
        await audit.record(
            "report.generate",
            actor_id=by,
            entity="stored_report",
            entity_id=report_id,
            details={
                "unit": summary.unit_name,
                "period": summary.week,
                "bytes": {fmt: len(body) for fmt, body in made.items()},
            },
            ip=ip,
        )
    return report_id, summary


def previous_week(moment: dt.datetime) -> str:
    """The ISO week before the one a moment falls in (county time)."""
    return iso_week(moment.astimezone(SHANGHAI).date() - dt.timedelta(weeks=1))


async def generate_due(week: str) -> list[uuid.UUID]:
    """Store ``week``'s summary for every unit with a reviewer that the schedule has not
    stored yet; raises (so the job is retried) if any unit failed, after trying them all."""
    stored, failed = [], []
    for unit in await repository.reviewer_units():
        if await repository.scheduled_exists(unit["id"], "week", week):
            continue
        try:
            report_id, _ = await generate(Area(unit["id"], unit["path"], unit["name"]), week)
        except Exception:
            log.exception("reports: the summary of %s for %s failed", unit["name"], week)
            failed.append(unit["name"])
        else:
            stored.append(report_id)
    if failed:
        raise RuntimeError(f"summaries of {week} failed for: {', '.join(failed)}")
    return stored


def weekly_job(weekday: int, at: dt.time) -> Job:
    """The weekly summaries as a scheduled job: due each week on ``weekday`` at ``at`` county
    time, storing the previous week's summaries."""

    async def scheduled_reports(run: Run) -> Any:
        stored = await generate_due(previous_week(run.due_at))
        log.info("reports: stored %d weekly summaries", len(stored))

    return Job(name="reports.weekly", schedule=Weekly(weekday, at), handler=scheduled_reports)


def _reviewer(user: CurrentUser) -> None:
    if user.role not in SUBTREE_ROLES:
        raise forbidden("weekly summaries are for supervisors and admins")


def _listed(row: dict[str, Any]) -> StoredReportOut:
    summary = json_load(row["figures"]) or {}
    return StoredReportOut(
        id=row["id"],
        unit_id=row["unit_id"],
        unit_name=row["unit_name"],
        period_kind=row["period_kind"],
        period=row["period"],
        starts_on=row["starts_on"],
        ends_on=row["ends_on"],
        campaign_name=summary.get("campaign_name", ""),
        generated_at=row["generated_at"],
        generated_by=row["generated_by"],
        overview=summary.get("overview", {}),
    )


async def history(
    user: CurrentUser, unit_id: uuid.UUID | None, limit: int, offset: int
) -> tuple[int, list[StoredReportOut]]:
    """Stored summaries of the units in a reviewer's subtree, newest period first."""
    _reviewer(user)
    total, rows = await repository.page(user.org_unit_path, "week", unit_id, limit, offset)
    return total, [_listed(row) for row in rows]


async def generate_for(
    user: CurrentUser, week: str, campaign_id: uuid.UUID | None, ip: str
) -> StoredReportOut:
    """Store a week's summary of a reviewer's area now (any past or running week)."""
    _reviewer(user)
    report_id, _ = await generate(Area.of(user), week, campaign_id, by=user.id, ip=ip)
    _, rows = await repository.page(user.org_unit_path, None, None, 1, 0, report_id=report_id)
    return _listed(rows[0])


async def download(user: CurrentUser, report_id: uuid.UUID, fmt: str, ip: str) -> tuple[bytes, str]:
    """A stored file and its download name (audited); 404 outside the reviewer's subtree."""
    _reviewer(user)
    row = await repository.file(user.org_unit_path, report_id, fmt)
    if row is None:
        raise not_found("report")
    body = bytes(row["body"])
    await audit.record(
        "report.download",
        actor_id=user.id,
        entity="stored_report",
        entity_id=report_id,
        details={"format": fmt, "unit": row["unit_name"], "period": row["period"]},
        ip=ip,
    )
    return body, f"周报-{row['period']}-{row['unit_name']}.{fmt}"
