"""Photo rows and who may see a photo. No HTTP here."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from server.accounts.schemas import CurrentUser
from server.accounts.scope import record_filter
from server.db import new_id
from server.inspections.tables import Inspection, InspectionItemResult
from server.media.tables import Media, MediaLink
from server.visits.tables import Visit


async def get(sha256: str) -> dict[str, Any] | None:
    return await Media.select().where(Media.sha256 == sha256).first()


#: One statement per upload outcome (a written-out statement: building piccolo's insert with
#: its conflict clause cost more than the database's work on a photo). The first uploader is
#: kept, and a complete row is never changed again.
_UPSERT = (
    "INSERT INTO media (id, sha256, mime, size, received, complete, uploaded_by, created_at,"
    " completed_at) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {})"
    " ON CONFLICT (sha256) DO UPDATE SET %s WHERE media.complete = {}"
)
_PROGRESS = _UPSERT % "received = excluded.received"
_COMPLETED = _UPSERT % (
    "size = excluded.size, received = excluded.received, complete = excluded.complete,"
    " completed_at = excluded.completed_at"
)


async def progress(
    sha256: str, mime: str, size: int, received: int, user_id: uuid.UUID, now: dt.datetime
) -> None:
    """A partial upload's bytes stored so far (first uploader kept; a complete row untouched).

    One write: an upload that completes in one request never has an in-progress row.
    """
    await Media.raw(
        _PROGRESS, new_id(), sha256, mime, size, received, False, user_id, now, None, False
    )


async def completed(
    sha256: str, mime: str, size: int, user_id: uuid.UUID, now: dt.datetime
) -> None:
    """The photo is stored and verified: one write makes it visible (first uploader kept)."""
    await Media.raw(_COMPLETED, new_id(), sha256, mime, size, size, True, user_id, now, now, False)


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
