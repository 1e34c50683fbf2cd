"""Who uploaded which photo, the data (the tables are made by 0008): each complete photo's first
uploader becomes a complete upload, an unfinished one an unfinished upload of that user (its
bytes restart: partial files are now kept per user), and each link relies on the upload of its
record's owner (the visitor or inspector), so a link someone made to a photo they never uploaded
stops showing it. Plain SQL for both engines; raw steps run before declared ones in piccolo, so
this is a migration of its own after the one that makes the tables."""

from server.db import sql_migration

ID = "2026-12-01T23:31:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Photos: fill who uploaded what from the photos already held"


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


_UNDO_ALL = (*_UNDO, "DROP INDEX media_upload_sha256_user")


async def forwards():
    return sql_migration(ID, DESCRIPTION, _FILL, _UNDO_ALL)
