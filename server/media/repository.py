"""Photo rows and upload rows. No HTTP here."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from server.db import new_id, transaction
from server.media.tables import Media, MediaUpload


async def get(sha256: str) -> dict[str, Any] | None:
    """The photo, if the server holds it whole."""
    return await Media.select().where((Media.sha256 == sha256) & Media.complete.eq(True)).first()


async def upload_of(sha256: str, user_id: uuid.UUID) -> dict[str, Any] | None:
    """This user's upload of the photo, finished or not."""
    return await (
        MediaUpload.select()
        .where((MediaUpload.sha256 == sha256) & (MediaUpload.uploaded_by == user_id))
        .first()
    )


async def uploaders(sha256s: Iterable[str]) -> dict[str, set[uuid.UUID]]:
    """For each photo, the users whose own bytes of it arrived whole and matched its hash."""
    wanted = sorted(set(sha256s))
    found: dict[str, set[uuid.UUID]] = {sha: set() for sha in wanted}
    if wanted:
        rows = await MediaUpload.select(MediaUpload.sha256, MediaUpload.uploaded_by).where(
            MediaUpload.sha256.is_in(wanted) & MediaUpload.complete.eq(True)
        )
        for r in rows:
            found[r["sha256"]].add(r["uploaded_by"])
    return found


#: Written-out statements (building piccolo's insert with its conflict clause cost more than
#: the database's work on a photo). The photo's row keeps its first uploader; an upload's row
#: is one per user (unique index of migration 0008).
_UPLOAD = (
    "INSERT INTO media_upload (id, sha256, uploaded_by, mime, size, complete, created_at,"
    " completed_at) VALUES ({}, {}, {}, {}, {}, {}, {}, {})"
    " ON CONFLICT (sha256, uploaded_by) DO "
)
_UPLOAD_STARTED = _UPLOAD + "NOTHING"
_UPLOAD_COMPLETED = _UPLOAD + (
    "UPDATE SET complete = excluded.complete, completed_at = excluded.completed_at"
)
_PHOTO = (
    "INSERT INTO media (id, sha256, mime, size, received, complete, uploaded_by, created_at,"
    " completed_at) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}) ON CONFLICT (sha256) DO NOTHING"
)


async def progress(sha256: str, user_id: uuid.UUID, mime: str, size: int, now: dt.datetime) -> None:
    """This user's upload has bytes stored but is not finished (an upload that completes in one
    request never has this row before its complete one)."""
    await MediaUpload.raw(_UPLOAD_STARTED, new_id(), sha256, user_id, mime, size, False, now, None)


async def completed(
    sha256: str, user_id: uuid.UUID, mime: str, size: int, now: dt.datetime
) -> None:
    """This user's bytes are stored and verified: the photo is the server's (if it was not
    already) and the user is one of its uploaders."""
    async with transaction():
        await Media.raw(_PHOTO, new_id(), sha256, mime, size, size, True, user_id, now, now)
        await MediaUpload.raw(
            _UPLOAD_COMPLETED, new_id(), sha256, user_id, mime, size, True, now, now
        )


async def forget(sha256: str, user_id: uuid.UUID) -> None:
    """Drop this user's unfinished upload (nothing of it is stored)."""
    await MediaUpload.delete().where(
        (MediaUpload.sha256 == sha256)
        & (MediaUpload.uploaded_by == user_id)
        & MediaUpload.complete.eq(False)
    )
