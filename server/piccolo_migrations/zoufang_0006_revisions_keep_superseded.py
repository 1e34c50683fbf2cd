"""Revisions keep the versions a newer one replaced; the current version is the row itself,
which since migration 0005 also says who wrote it. This fills in the writer of each row's
current version from its revision, then drops those revisions. Plain SQL that runs on SQLite
and PostgreSQL alike."""

from server.db import sql_migration

ID = "2026-11-24T11:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Sync engine: revisions keep superseded versions only"

#: Synced tables; each one's revisions name it as their entity.
_TABLES = ("visit", "demand", "inspection", "inspection_item_result", "rectification")


def _current(table: str, column: str) -> str:
    return (
        f"(SELECT r.{column} FROM record_revision r WHERE r.entity = '{table}'"
        f" AND r.entity_id = {table}.id AND r.version = {table}.version)"
    )


_FORWARDS = tuple(
    statement
    for table in _TABLES
    for statement in (
        f"UPDATE {table} SET written_by = {_current(table, 'actor')},"
        f" written_stream = COALESCE({_current(table, 'stream')}, ''),"
        f" written_mutation = {_current(table, 'mutation_id')}",
        f"DELETE FROM record_revision WHERE entity = '{table}' AND version ="
        f" (SELECT t.version FROM {table} t WHERE t.id = record_revision.entity_id)",
    )
)
_BACKWARDS = tuple(
    "INSERT INTO record_revision"
    " (entity, entity_id, version, data, actor, stream, mutation_id, change_seq, created_at)"
    f" SELECT '{table}', id, version, 'null', written_by, written_stream, written_mutation,"
    f" change_seq, updated_at FROM {table}"
    for table in _TABLES
)


async def forwards():
    return sql_migration(ID, DESCRIPTION, _FORWARDS, _BACKWARDS)
