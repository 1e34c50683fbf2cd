"""Two fewer index writes per pushed record: ``sync_mutation (stream)`` is the prefix of the
unique ``(stream, seq)`` key, and the revision key leads with ``entity_id`` so it also serves
lookups by record, which made ``record_revision (entity_id)`` redundant. Plain SQL that runs on
SQLite and PostgreSQL alike."""

from server.db import sql_migration

ID = "2026-11-24T09:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Sync engine: leaner indexes on the mutation log and revisions"

_FORWARDS = (
    "DROP INDEX sync_mutation_stream",
    "DROP INDEX record_revision_entity_version",
    "CREATE UNIQUE INDEX record_revision_entity_version "
    "ON record_revision (entity_id, entity, version)",
    "DROP INDEX record_revision_entity_id",
)
_BACKWARDS = (
    "CREATE INDEX record_revision_entity_id ON record_revision (entity_id)",
    "DROP INDEX record_revision_entity_version",
    "CREATE UNIQUE INDEX record_revision_entity_version "
    "ON record_revision (entity, entity_id, version)",
    'CREATE INDEX sync_mutation_stream ON "sync_mutation" ("stream")',
)


async def forwards():
    return sql_migration(ID, DESCRIPTION, _FORWARDS, _BACKWARDS)
