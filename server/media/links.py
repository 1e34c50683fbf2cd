"""Which records list which photos (``media_link``), and which listed photos have not arrived.

Who may see a photo follows who may see a record that lists it (``server.media.repository``),
so every write of a record's ``photos`` replaces that record's links in the same transaction.
Row ids are unique per kind of record only: a link is always named by (entity, entity_id).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from server.accounts.schemas import CurrentUser
from server.db import json_load, new_id
from server.db.bulk import insert_many
from server.media.access import link_uploaders
from server.media.tables import Media, MediaLink


class Listing(NamedTuple):
    """One record's photo list as just written: its kind, id, photos, and whether it is new."""

    entity: str
    id: uuid.UUID
    photos: Sequence[str]
    new: bool


async def replace_links(listings: Sequence[Listing], now: dt.datetime, writer: CurrentUser) -> None:
    """Make the links of these records what their photo lists say (call inside the transaction).

    Each link names the upload it relies on (``server.media.access.link_uploaders``), found
    before the old links go: a photo the writer could see through them stays seen.
    """
    if not listings:
        return
    uploader = await link_uploaders(writer, [sha for item in listings for sha in item.photos or []])
    existing: dict[str, list[uuid.UUID]] = {}
    for listing in listings:
        if not listing.new:  # a new record has no links yet: nothing to delete
            existing.setdefault(listing.entity, []).append(listing.id)
    for entity, ids in existing.items():
        await delete_links(entity, ids)
    links = [
        {
            "id": new_id(),
            "sha256": sha,
            "entity": listing.entity,
            "entity_id": listing.id,
            "created_at": now,
            "uploader": uploader[sha],
        }
        for listing in listings
        for sha in dict.fromkeys(listing.photos or [])
    ]
    await insert_many(MediaLink, links)


async def delete_links(entity: str, ids: Sequence[uuid.UUID]) -> None:
    """Forget the links of these records of one kind (a record removed, or relisted)."""
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        await MediaLink.delete().where(
            (MediaLink.entity == entity) & MediaLink.entity_id.is_in(chunk)
        )


async def missing_photos(photo_lists: Iterable[Any]) -> list[list[str]]:
    """For each record's photo list (JSON of sha256 strings), those not fully uploaded yet."""
    lists = [[str(p) for p in (json_load(photos) or [])] for photos in photo_lists]
    wanted = sorted({sha for photos in lists for sha in photos})
    have: set[str] = set()
    if wanted:
        rows = await Media.select(Media.sha256).where(
            Media.sha256.is_in(wanted) & Media.complete.eq(True)
        )
        have = {r["sha256"] for r in rows}
    return [[sha for sha in photos if sha not in have] for photos in lists]
