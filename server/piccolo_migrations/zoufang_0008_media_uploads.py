"""Who uploaded which photo (issue 19, finding 3): knowing a photo's hash is no claim to it.

Adds ``media_upload`` (one row per user and photo: bytes received from that user) and
``media_link.uploader`` (whose upload a link relies on). Existing data: each complete photo's
first uploader becomes a complete upload, an unfinished one an unfinished upload of that user
(its bytes restart: partial files are now kept per user), and each link relies on the upload of
its record's owner (the visitor or inspector), so a link someone made to a photo they never
uploaded stops showing it. The tables are frozen here as they were, so later changes to the
live classes cannot change what this migration does; the rest is plain SQL for both engines.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import UUID, BigInt, Boolean, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from server.db import engine

ID = "2026-12-01T23:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Photos: who uploaded what, and whose upload a record's link relies on"


class _User(Table, tablename="app_user"):
    id = UUID(primary_key=True)


class _MediaUpload(Table, tablename="media_upload"):
    id = UUID(primary_key=True)
    sha256 = Varchar(length=64, index=True)
    uploaded_by = ForeignKey(_User, on_delete=OnDelete.restrict)
    mime = Varchar(length=50)
    size = BigInt()
    complete = Boolean(default=False)
    created_at = Timestamptz()
    completed_at = Timestamptz(null=True, default=None)


class _MediaLink(Table, tablename="media_link"):
    id = UUID(primary_key=True)


def _owner(table: str, column: str) -> str:
    return f"(SELECT t.{column} FROM {table} t WHERE t.id = media_link.entity_id)"


_FILL = (
    "CREATE UNIQUE INDEX media_upload_sha256_user ON media_upload (sha256, uploaded_by)",
    "INSERT INTO media_upload"
    " (id, sha256, uploaded_by, mime, size, complete, created_at, completed_at)"
    " SELECT id, sha256, uploaded_by, mime, size, complete, created_at, completed_at"
    " FROM media WHERE uploaded_by IS NOT NULL",
    # A media row now means a photo the server holds.
    "DELETE FROM media WHERE NOT complete",
    "UPDATE media_link SET uploader = " + _owner("visit", "visitor") + " WHERE entity = 'visit'",
    "UPDATE media_link SET uploader = "
    + _owner("inspection", "inspector")
    + " WHERE entity = 'inspection'",
    "UPDATE media_link SET uploader = (SELECT i.inspector FROM inspection_item_result r"
    " JOIN inspection i ON i.id = r.inspection WHERE r.id = media_link.entity_id)"
    " WHERE entity = 'inspection_item_result'",
)
_UNDO = (
    "INSERT INTO media (id, sha256, mime, size, received, complete, uploaded_by, created_at)"
    " SELECT u.id, u.sha256, u.mime, u.size, 0, u.complete, u.uploaded_by, u.created_at"
    " FROM media_upload u WHERE NOT u.complete"
    " AND NOT EXISTS (SELECT 1 FROM media m WHERE m.sha256 = u.sha256)"
    " AND u.created_at = (SELECT MIN(o.created_at) FROM media_upload o"
    " WHERE o.sha256 = u.sha256)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="zoufang", description=DESCRIPTION)

    async def run_forwards() -> None:
        await _MediaUpload.create_table().run()
        await _MediaLink.alter().add_column("uploader", UUID(null=True, default=None)).run()
        for sql in _FILL:
            await engine().run_ddl(sql)

    async def run_backwards() -> None:
        for sql in _UNDO:
            await engine().run_ddl(sql)
        await _MediaLink.alter().drop_column("uploader").run()
        await _MediaUpload.alter().drop_table().run()

    manager.add_raw(run_forwards)
    manager.add_raw_backwards(run_backwards)
    return manager
