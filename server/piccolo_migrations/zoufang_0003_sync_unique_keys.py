"""Composite unique keys piccolo cannot declare on a table: one revision per record version,
one stream per user and device. Plain SQL that runs on SQLite and PostgreSQL alike."""

from server.db import sql_migration

ID = "2026-11-24T06:37:14:000000"
VERSION = "1.38.0"
DESCRIPTION = "Sync engine: composite unique keys"

_FORWARDS = (
    "CREATE UNIQUE INDEX record_revision_entity_version ON record_revision (entity, entity_id, version)",
    'CREATE UNIQUE INDEX sync_stream_user_device ON sync_stream ("user", device_id)',
    "CREATE UNIQUE INDEX sync_mutation_stream_seq ON sync_mutation (stream, seq)",
)
_BACKWARDS = (
    "DROP INDEX record_revision_entity_version",
    "DROP INDEX sync_stream_user_device",
    "DROP INDEX sync_mutation_stream_seq",
)


async def forwards():
    return sql_migration(ID, DESCRIPTION, _FORWARDS, _BACKWARDS)
