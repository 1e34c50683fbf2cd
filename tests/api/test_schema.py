"""No drift between the migrations and the table classes, on each engine: piccolo's
auto-migration finds nothing to add, and the database the migrations build has exactly the
tables, columns, types and NOT NULLs that the piccolo app's table classes declare.

Both read the table list from ``APP_CONFIG`` (``server/piccolo_app.py``), so a table moved to
another module is still compared. SQLite's FTS5 search tables (and their shadow tables) are
outside piccolo's table classes and left out of the comparison."""

from __future__ import annotations

from typing import Any

from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.apps.migrations.commands.new import AutoMigrationManager

from server.db import is_postgres
from server.desk.search import FTS_TABLES
from server.piccolo_app import APP_CONFIG
from tests.support.db import Snapshot

#: piccolo's own record of the migrations run; no table class declares it.
_MIGRATION_TABLE = "migration"

_PG_COLUMNS = """
SELECT c.relname AS table_name, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
"""
_SQLITE_COLUMNS = """
SELECT t.name AS table_name, c.name AS name, c.type AS type, c."notnull" AS not_null
FROM sqlite_master t, pragma_table_info(t.name) c
WHERE t.type = 'table' AND t.name NOT LIKE 'sqlite_%'
"""

Schema = dict[str, dict[str, tuple[str, bool]]]


def _pg_type(declared: str) -> str:
    """A piccolo column type as PostgreSQL's catalogue spells it (a serial is an integer with a
    sequence behind it)."""
    spelled = declared.lower().replace("timestamptz", "timestamp with time zone")
    spelled = spelled.replace("varchar", "character varying")
    return {"serial": "integer", "bigserial": "bigint"}.get(spelled, spelled)


def _declared() -> Schema:
    normal = _pg_type if is_postgres() else str
    return {
        table._meta.tablename: {
            column._meta.db_column_name: (normal(column.column_type), not column._meta.null)
            for column in table._meta.columns
        }
        for table in APP_CONFIG.table_classes
    }


async def _built() -> Schema:
    first = APP_CONFIG.table_classes[0]
    rows: list[dict[str, Any]] = await first.raw(_PG_COLUMNS if is_postgres() else _SQLITE_COLUMNS)
    schema: Schema = {}
    for row in rows:
        name = row["table_name"]
        if name != _MIGRATION_TABLE and not name.startswith(FTS_TABLES):
            column = (row["type"], bool(row["not_null"]))
            schema.setdefault(row["table_name"], {})[row["name"]] = column
    return schema


async def test_auto_migration_finds_nothing_to_add() -> None:
    alters = await AutoMigrationManager(auto_input="n").get_alter_statements(app_config=APP_CONFIG)
    assert [statement for alter in alters for statement in alter.statements] == []


async def test_every_migration_says_what_it_does() -> None:
    managers = await BaseMigrationManager().get_migration_managers(app_config=APP_CONFIG)
    assert len(managers) >= 6
    for manager in managers:  # 0001's once read "True", a flag typed where the words go
        assert len(manager.description.split()) >= 3, manager.migration_id


async def test_the_migrated_database_is_what_the_tables_declare(db: Snapshot) -> None:
    built, declared = await _built(), _declared()
    assert sorted(built) == sorted(declared)
    for table, columns in declared.items():
        assert built[table] == columns, table
