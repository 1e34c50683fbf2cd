"""Stored summaries (``stored_report``): written whole, listed by area, read back by id."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from server.accounts.scope import SUBTREE_ROLES
from server.accounts.tables import User
from server.db import new_id, utcnow
from server.reports.tables import StoredReport

#: What a history listing shows of a stored summary (not its files).
_LISTED = (
    StoredReport.id,
    StoredReport.org_unit.as_alias("unit_id"),
    StoredReport.org_unit.name.as_alias("unit_name"),
    StoredReport.period_kind,
    StoredReport.period,
    StoredReport.starts_on,
    StoredReport.ends_on,
    StoredReport.figures,
    StoredReport.generated_at,
    StoredReport.generated_by.display_name.as_alias("generated_by"),
)


async def reviewer_units() -> list[dict[str, Any]]:
    """Every unit with an active reviewer (supervisor or admin): ``id``, ``path``, ``name``."""
    rows = await User.select(
        User.org_unit.id.as_alias("id"),
        User.org_unit.path.as_alias("path"),
        User.org_unit.name.as_alias("name"),
    ).where(User.role.is_in(list(SUBTREE_ROLES)) & User.active.eq(True))
    return sorted({row["id"]: row for row in rows}.values(), key=lambda row: row["path"])


async def scheduled_exists(unit_id: uuid.UUID, kind: str, period: str) -> bool:
    """Has the schedule already stored this unit's summary of the period?"""
    return await StoredReport.exists().where(
        (StoredReport.org_unit == unit_id)
        & (StoredReport.period_kind == kind)
        & (StoredReport.period == period)
        & StoredReport.generated_by.is_null()
    )


async def store(
    *,
    unit_id: uuid.UUID,
    campaign_id: uuid.UUID | None,
    kind: str,
    period: str,
    starts_on: dt.date,
    ends_on: dt.date,
    figures: dict[str, Any],
    files: dict[str, bytes],
    by: uuid.UUID | None,
) -> uuid.UUID:
    """Insert one summary with its files (call inside the transaction that audits it)."""
    row_id = new_id()
    await StoredReport.insert(
        StoredReport(
            id=row_id,
            org_unit=unit_id,
            campaign=campaign_id,
            period_kind=kind,
            period=period,
            starts_on=starts_on,
            ends_on=ends_on,
            figures=figures,
            xlsx=files["xlsx"],
            docx=files["docx"],
            csv=files["csv"],
            generated_by=by,
            generated_at=utcnow(),
        )
    )
    return row_id


def _within(unit_path: str) -> Any:
    return StoredReport.org_unit.path.like(f"{unit_path}%")


async def page(
    unit_path: str,
    kind: str | None,
    unit_id: uuid.UUID | None,
    limit: int,
    offset: int,
    *,
    report_id: uuid.UUID | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """Stored summaries of units in a subtree (or the one ``report_id``), newest period first."""
    where = _within(unit_path)
    if report_id:
        where &= StoredReport.id == report_id
    if kind:
        where &= StoredReport.period_kind == kind
    if unit_id:
        where &= StoredReport.org_unit == unit_id
    total = await StoredReport.count().where(where)
    rows = await (
        StoredReport.select(*_LISTED)
        .where(where)
        .order_by(StoredReport.starts_on, ascending=False)
        .order_by(StoredReport.generated_at, ascending=False)
        .limit(limit)
        .offset(offset)
    )
    return total, rows


async def file(unit_path: str, report_id: uuid.UUID, fmt: str) -> dict[str, Any] | None:
    """One stored file (``xlsx``, ``docx`` or ``csv``) with what names it, if in the subtree."""
    column = StoredReport._meta.get_column_by_name(fmt)
    return await (
        StoredReport.select(
            column.as_alias("body"),
            StoredReport.period,
            StoredReport.org_unit.name.as_alias("unit_name"),
        )
        .where(_within(unit_path) & (StoredReport.id == report_id))
        .first()
    )
