"""Who may see a photo, and whose upload a record's link to a photo relies on.

Knowing a photo's hash is no claim to it. A photo is shown to its uploaders (users whose own
bytes of it arrived whole and matched the hash) and to whoever may read a record that links it,
but a link counts only through an upload: the one of the user who wrote the record, or, when
that writer listed a photo they could already see, the upload behind what let them see it.
A record may reach the server before its photos (offline first): its links then wait for the
writer's own upload to complete, and count from that moment.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from server.accounts.schemas import CurrentUser
from server.accounts.scope import record_filter
from server.inspections.tables import Inspection, InspectionItemResult
from server.media import repository
from server.media.tables import MediaLink
from server.visits.tables import Visit


async def may_see(user: CurrentUser, sha256: str) -> bool:
    """The photo's uploaders, and whoever may read a record whose link to it counts."""
    uploaders = (await repository.uploaders([sha256]))[sha256]
    if user.id in uploaders:
        return True
    return await _vouching_upload(user, sha256, uploaders) is not None


async def link_uploaders(writer: CurrentUser, sha256s: Iterable[str]) -> dict[str, uuid.UUID]:
    """For each photo a record written by ``writer`` lists, the user whose upload its link
    relies on (store it as ``MediaLink.uploader``).

    The writer themselves, unless they have not uploaded it but may already see it through
    another record's link: then that link's upload. Call it before the record's old links are
    removed, so that rewriting a record keeps the photos its writer could see through them.
    """
    wanted = list(dict.fromkeys(sha256s))
    found: dict[str, uuid.UUID] = {}
    for sha256, uploaders in (await repository.uploaders(wanted)).items():
        vouching = None
        if uploaders and writer.id not in uploaders:
            vouching = await _vouching_upload(writer, sha256, uploaders)
        found[sha256] = vouching or writer.id
    return found


async def _vouching_upload(
    user: CurrentUser, sha256: str, uploaders: set[uuid.UUID]
) -> uuid.UUID | None:
    """The upload behind a counting link to the photo on a record ``user`` may read."""
    if not uploaders:
        return None
    links = await MediaLink.select(MediaLink.entity, MediaLink.entity_id, MediaLink.uploader).where(
        (MediaLink.sha256 == sha256) & MediaLink.uploader.is_in(sorted(uploaders))
    )
    if not links:
        return None
    results = [r["entity_id"] for r in links if r["entity"] == "inspection_item_result"]
    parent = {}
    if results:
        rows = await InspectionItemResult.select(
            InspectionItemResult.id, InspectionItemResult.inspection
        ).where(InspectionItemResult.id.is_in(results) & InspectionItemResult.deleted_at.is_null())
        parent = {r["id"]: r["inspection"] for r in rows}
    readable = await _readable(
        user, Visit, Visit.visitor, {r["entity_id"] for r in links if r["entity"] == "visit"}
    ) | await _readable(
        user,
        Inspection,
        Inspection.inspector,
        {r["entity_id"] for r in links if r["entity"] == "inspection"} | set(parent.values()),
    )
    for link in links:
        record = parent.get(link["entity_id"], link["entity_id"])
        if record in readable:
            return link["uploader"]
    return None


async def _readable(user: CurrentUser, table: Any, owner: Any, ids: set[Any]) -> set[Any]:
    """Of these record ids, the live ones ``user`` may read."""
    where = record_filter(user, owner, table.org_unit)
    if not ids or where is None:
        return set()
    live = table.id.is_in(sorted(ids)) & table.deleted_at.is_null() & where
    return {r["id"] for r in await table.select(table.id).where(live)}
