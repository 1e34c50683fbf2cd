"""Retention: what the server stops keeping once the sync horizon has passed.

PIPL asks that personal information be kept no longer than necessary. A record a field worker
withdrew (a deleted draft, a withdrawn demand, …) stays as a tombstone only so that every
device learns of the deletion; a device whose cursor is older than ``SYNC_TOMBSTONE_DAYS`` is
told to resync from scratch anyway (``server.sync.pull``), so past that horizon nothing needs
the tombstone and it is removed for good, with everything that hangs off it: nested rows,
demand events, revisions, conflicts, photo links, and the photos only it listed. Partial
uploads begun before the horizon and never finished, long-dead device tokens, and a refused
mutation's copy of what the device sent go too.

Kept, whatever their age: live records and their history (revisions are the edit trail), photos
a live record or a kept revision lists, the mutation log's rows and results (a device's replay
of an old push must still be answered as a duplicate) and the audit log (MLPS wants logs kept).
Every run that removes something writes one audit entry with the counts.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from piccolo.table import Table

from server.accounts.tables import DeviceToken
from server.audit import repository as audit
from server.db import json_load, transaction, utcnow
from server.demands.entity import DEMAND
from server.demands.tables import DemandEvent
from server.inspections.entity import INSPECTION
from server.jobs import Every, Job, Run
from server.media.links import delete_links
from server.media.storage import MediaStorage
from server.media.tables import Media, MediaLink, MediaUpload
from server.reviews.tables import ReviewDecision
from server.settings import get_settings
from server.sync.entities import EntitySpec
from server.sync.tables import Revision, ScopeMove, SyncConflict, SyncMutation
from server.visits.entity import VISIT

log = logging.getLogger(__name__)

#: Each record kind and the kinds nested under it (children are removed first).
_TREES: tuple[tuple[EntitySpec, tuple[EntitySpec, ...]], ...] = tuple(
    (spec, spec.children) for spec in (VISIT, INSPECTION)
)
#: Ids per statement (SQLite allows a few thousand parameters; PostgreSQL more).
_CHUNK = 500


@dataclass
class Purged:
    """What one run removed, by kind."""

    rows: dict[str, int] = field(default_factory=dict)
    photos: list[str] = field(default_factory=list)
    partial_uploads: list[str] = field(default_factory=list)
    #: Partial uploads left alone because an upload was writing them.
    busy_uploads: int = 0
    tokens: int = 0
    #: Refused mutations whose copy of what the device sent was dropped (the row stays).
    payloads: int = 0

    @property
    def total(self) -> int:
        return (
            sum(self.rows.values())
            + len(self.photos)
            + len(self.partial_uploads)
            + self.tokens
            + self.payloads
        )

    def summary(self, partial_uploads: int) -> dict[str, Any]:
        return {
            **self.rows,
            "photos": len(self.photos),
            "partial_uploads": partial_uploads,
            "device_tokens": self.tokens,
            "rejected_payloads": self.payloads,
        }


async def purge(storage: MediaStorage, now: dt.datetime | None = None) -> Purged:
    """Remove what is older than the sync horizon and no longer needed (see the module)."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=get_settings().sync_tombstone_days)
    done = Purged()
    async with transaction():
        photos: set[str] = set()
        for root, children in _TREES:
            roots = await _ids(root.table, _tombstoned(root.table, cutoff))
            for child in children:
                parent = child.table._meta.get_column_by_name(child.parent_column or "")
                under_roots = await _ids_in(child.table, parent, roots)
                withdrawn = await _ids(child.table, _tombstoned(child.table, cutoff))
                photos |= await _remove(child, sorted(set(under_roots) | set(withdrawn)), done)
            photos |= await _remove(root, roots, done)
        done.photos = await _unlisted(photos)
        await _delete_in(Media, Media.sha256, done.photos)
        # Unfinished uploads of them age out below, with their files.
        for chunk in _chunks(done.photos):
            await MediaUpload.delete().where(
                MediaUpload.sha256.is_in(chunk) & MediaUpload.complete.eq(True)
            )
        stale = await (
            MediaUpload.delete()
            .where(MediaUpload.complete.eq(False) & (MediaUpload.created_at < cutoff))
            .returning(MediaUpload.sha256, MediaUpload.uploaded_by)
        )
        tokens = (
            await DeviceToken.delete()
            .where((DeviceToken.expires_at < cutoff) | (DeviceToken.revoked_at < cutoff))
            .returning(DeviceToken.id)
        )
        done.tokens = len(tokens)
        # A refused mutation keeps what the device sent, for a person to look into; past the
        # horizon only its result stays (a replay is answered from that).
        cleared = (
            await SyncMutation.update({SyncMutation.payload: None})
            .where(SyncMutation.payload.is_not_null() & (SyncMutation.created_at < cutoff))
            .returning(SyncMutation.id)
        )
        done.payloads = len(cleared)
        # Past the horizon a device resyncs from scratch, so old moves owe nobody a tombstone.
        moves = await (
            ScopeMove.delete().where(ScopeMove.created_at < cutoff).returning(ScopeMove.id)
        )
        if moves:
            done.rows["scope_move"] = len(moves)
        if stale or done.total:
            await audit.record(
                "retention.purge",
                actor_id=None,
                details={"before": cutoff.isoformat(), **done.summary(len(stale))},
            )
    # The rows are gone; now the bytes (a crash here leaves only files no row names). An upload
    # publishes a photo and writes its row under the name's lock: under it, a row found again
    # means the photo was uploaded anew since the commit, and its file stays.
    for sha256 in done.photos:
        async with storage.locked(sha256):
            if not await Media.exists().where(Media.sha256 == sha256):
                await storage.delete(sha256)
    for row in stale:
        if await storage.discard(row["sha256"], row["uploaded_by"]):
            done.partial_uploads.append(row["sha256"])
        else:
            done.busy_uploads += 1
    return done


def purge_job(hours: int, storage: Callable[[], MediaStorage]) -> Job:
    """The purge as a scheduled job: once per ``hours``-hour slot of county time, run by one
    server process however many serve (``PURGE_EVERY_HOURS``), on the photos of ``storage``."""

    async def scheduled_purge(run: Run) -> None:
        done = await purge(storage())
        if done.total or done.partial_uploads:
            log.info("retention: removed %s", done.summary(len(done.partial_uploads)))

    return Job(name="retention.purge", schedule=Every(hours), handler=scheduled_purge)


def _tombstoned(table: type[Table], cutoff: dt.datetime) -> Any:
    """Rows deleted, and last changed, before the cutoff: every device has had its chance."""
    deleted_at = table._meta.get_column_by_name("deleted_at")
    updated_at = table._meta.get_column_by_name("updated_at")
    return deleted_at.is_not_null() & (updated_at < cutoff)


async def _ids(table: type[Table], where: Any) -> list[uuid.UUID]:
    pk = table._meta.primary_key
    return [r["id"] for r in await table.select(pk.as_alias("id")).where(where)]


async def _ids_in(table: type[Table], column: Any, values: Sequence[Any]) -> list[uuid.UUID]:
    found: list[uuid.UUID] = []
    for chunk in _chunks(values):
        found += await _ids(table, column.is_in(chunk))
    return found


async def _delete_in(table: type[Table], column: Any, values: Sequence[Any]) -> None:
    for chunk in _chunks(values):
        await table.delete().where(column.is_in(chunk))


def _chunks(values: Sequence[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])


async def _remove(spec: EntitySpec, ids: list[uuid.UUID], done: Purged) -> set[str]:
    """Delete rows of one kind and everything that points at them; returns the photos they
    listed."""
    if not ids:
        return set()
    table = spec.table
    photos: set[str] = set()
    if spec.has_photos:
        for chunk in _chunks(ids):
            rows = await table.select(table._meta.get_column_by_name("photos")).where(
                table._meta.primary_key.is_in(chunk)
            )
            photos.update(sha for r in rows for sha in _listed(r["photos"]))
    if spec is DEMAND:
        await _delete_in(DemandEvent, DemandEvent.demand, ids)
    # Ids are unique within a kind of record only: name the kind too.
    for chunk in _chunks(ids):
        await Revision.delete().where(
            (Revision.entity == spec.name) & Revision.entity_id.is_in(chunk)
        )
        await SyncConflict.delete().where(
            (SyncConflict.entity == spec.name) & SyncConflict.entity_id.is_in(chunk)
        )
        await ReviewDecision.delete().where(
            (ReviewDecision.entity == spec.name) & ReviewDecision.record_id.is_in(chunk)
        )
    await delete_links(spec.name, ids)
    await _delete_in(table, table._meta.primary_key, ids)
    done.rows[spec.name] = done.rows.get(spec.name, 0) + len(ids)
    return photos


def _listed(value: Any) -> list[str]:
    """A row's photo list (JSON text on SQLite)."""
    return [v for v in json_load(value) or [] if isinstance(v, str)]


#: A kept revision that lists the photo (an earlier version of a live record): the edit trail
#: keeps it. (A revision's data is JSON; as text the same on both databases.)
_IN_A_REVISION = "SELECT 1 FROM record_revision WHERE CAST(data AS TEXT) LIKE {} LIMIT 1"


async def _unlisted(candidates: set[str]) -> list[str]:
    """Of the photos removed records listed, those no live record or kept revision lists."""
    gone = []
    for sha256 in sorted(candidates):
        if await MediaLink.exists().where(MediaLink.sha256 == sha256):
            continue
        if await Revision.raw(_IN_A_REVISION, f"%{sha256}%"):
            continue
        gone.append(sha256)
    return gone
