"""Roster imports (issue 18): their batches and, per row a batch wrote, what undoing it needs.
Additive: two new tables, frozen here as they were so later changes to the live classes cannot
change what this migration does."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import UUID, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

ID = "2026-12-02T01:13:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Roster imports: batches and their rows"


class _ImportBatch(Table, tablename="import_batch"):
    id = UUID(primary_key=True)
    kind = Varchar(length=30)
    filename = Varchar(length=200, default="")
    actor = UUID(index=True)
    unit_path = Varchar(length=1000, index=True)
    created = Integer(default=0)
    updated = Integer(default=0)
    unchanged = Integer(default=0)
    created_at = Timestamptz()
    undone_at = Timestamptz(null=True, default=None)
    undone_by = UUID(null=True, default=None)


class _ImportRow(Table, tablename="import_row"):
    id = UUID(primary_key=True)
    batch = ForeignKey(_ImportBatch, on_delete=OnDelete.cascade, index=True)
    entity_id = UUID()
    action = Varchar(length=10)
    before = Text(null=True, default=None)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="zoufang", description=DESCRIPTION)

    async def run_forwards() -> None:
        await _ImportBatch.create_table().run()
        await _ImportRow.create_table().run()

    async def run_backwards() -> None:
        await _ImportRow.alter().drop_table().run()
        await _ImportBatch.alter().drop_table().run()

    manager.add_raw(run_forwards)
    manager.add_raw_backwards(run_backwards)
    return manager
