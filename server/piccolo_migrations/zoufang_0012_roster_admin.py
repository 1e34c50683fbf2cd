"""Administration: talents, service centres, campaigns and checklist templates get a version
(admin edits are checked against it; a template also names the one it supersedes), and the sync
engine records rows that move between org units (``sync_scope_move``), so pull can send a
tombstone to the phones that may no longer see them. Additive: new columns and one new table,
declared to piccolo so its schema snapshot stays equal to the table classes."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import UUID, BigInt, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.defaults.uuid import UUID4
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T01:12:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Roster versions; sync scope moves"

_BASE = {
    "null": False,
    "primary_key": False,
    "unique": False,
    "index": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}
_MOVE_COLUMNS = (
    ("id", UUID, {"primary_key": True, "default": UUID4()}),
    ("entity", Varchar, {"length": 40, "default": ""}),
    ("entity_id", UUID, {"default": UUID4()}),
    ("old_path", Varchar, {"length": 1000, "default": ""}),
    ("new_path", Varchar, {"length": 1000, "default": ""}),
    ("change_seq", BigInt, {"default": 0, "index": True}),
    ("created_at", Timestamptz, {"default": TimestamptzNow()}),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="zoufang", description=DESCRIPTION)
    versioned = (
        ("Talent", "talent"),
        ("ServiceCenter", "service_center"),
        ("Campaign", "campaign"),
        ("ChecklistTemplate", "checklist_template"),
    )
    for class_name, table in versioned:
        manager.add_column(
            table_class_name=class_name,
            tablename=table,
            column_name="version",
            db_column_name="version",
            column_class_name="Integer",
            column_class=Integer,
            params={**_BASE, "default": 1},
            schema=None,
        )
    manager.add_column(
        table_class_name="ChecklistTemplate",
        tablename="checklist_template",
        column_name="supersedes",
        db_column_name="supersedes",
        column_class_name="UUID",
        column_class=UUID,
        params={**_BASE, "null": True, "default": None},
        schema=None,
    )
    manager.add_table(
        class_name="ScopeMove", tablename="sync_scope_move", schema=None, columns=None
    )
    for name, column_class, params in _MOVE_COLUMNS:
        manager.add_column(
            table_class_name="ScopeMove",
            tablename="sync_scope_move",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params={**_BASE, **params},
            schema=None,
        )
    return manager
