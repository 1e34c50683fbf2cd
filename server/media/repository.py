"""Photo rows and who may see a photo. No HTTP here."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from server.accounts.schemas import CurrentUser
from server.accounts.scope import record_filter
from server.inspections.tables import Inspection, InspectionItemResult
from server.media.tables import Media, MediaLink
from server.visits.tables import Visit


async def get(sha256: str) -> dict[str, Any] | None:
    return await Media.select().where(Media.sha256 == sha256).first()


def _row(
    sha256: str,
    mime: str,
    size: int,
    user_id: uuid.UUID,
    now: dt.datetime,
    received: int,
    complete: bool,
) -> Media:
    return Media(
        id=uuid.uuid4(),
        sha256=sha256,
        mime=mime,
        size=size,
        received=received,
        complete=complete,
        uploaded_by=user_id,
        created_at=now,
        completed_at=now if complete else None,
    )


async def progress(
    sha256: str, mime: str, size: int, received: int, user_id: uuid.UUID, now: dt.datetime
) -> None:
    """A partial upload's bytes stored so far (first uploader kept; a complete row untouched).

    One write: an upload that completes in one request never has an in-progress row.
    """
    await Media.insert(_row(sha256, mime, size, user_id, now, received, False)).on_conflict(
        target=Media.sha256,
        action="DO UPDATE",
        values=[Media.received],
        where=Media.complete.eq(False),
    )


async def completed(
    sha256: str, mime: str, size: int, user_id: uuid.UUID, now: dt.datetime
) -> None:
    """The photo is stored and verified: one write makes it visible (first uploader kept)."""
    await Media.insert(_row(sha256, mime, size, user_id, now, size, True)).on_conflict(
        target=Media.sha256,
        action="DO UPDATE",
        values=[Media.size, Media.received, Media.complete, Media.completed_at],
        where=Media.complete.eq(False),
    )


async def forget(sha256: str) -> None:
    await Media.delete().where((Media.sha256 == sha256) & Media.complete.eq(False))


async def may_see(user: CurrentUser, media: dict[str, Any]) -> bool:
    """The uploader, and whoever may see a record that lists the photo."""
    if media["uploaded_by"] == user.id:
        return True
    links = await MediaLink.select(MediaLink.entity, MediaLink.entity_id).where(
        MediaLink.sha256 == media["sha256"]
    )
    visits = [r["entity_id"] for r in links if r["entity"] == "visit"]
    inspections = [r["entity_id"] for r in links if r["entity"] == "inspection"]
    results = [r["entity_id"] for r in links if r["entity"] == "inspection_item_result"]
    if results:
        inspections += [
            r["inspection"]
            for r in await InspectionItemResult.select(InspectionItemResult.inspection).where(
                InspectionItemResult.id.is_in(results) & InspectionItemResult.deleted_at.is_null()
            )
        ]
    where = record_filter(user, Visit.visitor, Visit.org_unit)
    if visits and where is not None:
        live = Visit.id.is_in(visits) & Visit.deleted_at.is_null() & where
        if await Visit.exists().where(live):
            return True
    where = record_filter(user, Inspection.inspector, Inspection.org_unit)
    if inspections and where is not None:
        live = Inspection.id.is_in(inspections) & Inspection.deleted_at.is_null() & where
        if await Inspection.exists().where(live):
            return True
    return False
