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


async def start(sha256: str, mime: str, size: int, user_id: uuid.UUID, now: dt.datetime) -> None:
    """Record an upload (first caller wins when two start the same photo)."""
    await Media.insert(
        Media(
            id=uuid.uuid4(),
            sha256=sha256,
            mime=mime,
            size=size,
            uploaded_by=user_id,
            created_at=now,
        )
    ).on_conflict(target=Media.sha256, action="DO NOTHING")


async def progress(sha256: str, received: int) -> None:
    await Media.update({Media.received: received}).where(
        (Media.sha256 == sha256) & Media.complete.eq(False)
    )


async def completed(sha256: str, size: int, now: dt.datetime) -> None:
    await Media.update({Media.complete: True, Media.completed_at: now, Media.received: size}).where(
        Media.sha256 == sha256
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
