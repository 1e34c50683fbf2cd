"""Composite unique keys piccolo cannot declare on a table: one revision per record version,
one stream per user and device. Plain SQL that runs on SQLite and PostgreSQL alike."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

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


async def _run(statements: tuple[str, ...]) -> None:
    engine = engine_finder()
    assert engine is not None
    for sql in statements:
        await engine.run_ddl(sql)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="zoufang", description=DESCRIPTION)

    async def run_forwards() -> None:
        await _run(_FORWARDS)

    async def run_backwards() -> None:
        await _run(_BACKWARDS)

    manager.add_raw(run_forwards)
    manager.add_raw_backwards(run_backwards)
    return manager
