"""Import batches and, per row they wrote, what undoing it needs."""

from piccolo.columns import UUID, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table


class ImportBatch(Table, tablename="import_batch"):
    """One committed import: who made it, from which file, and what it did."""

    id = UUID(primary_key=True)
    #: What was imported: talent or service_center.
    kind = Varchar(length=30)
    filename = Varchar(length=200, default="")
    actor = UUID(index=True)
    #: Materialised path of the importing admin's unit: only that subtree sees the batch.
    unit_path = Varchar(length=1000, index=True)
    created = Integer(default=0)
    updated = Integer(default=0)
    unchanged = Integer(default=0)
    created_at = Timestamptz()
    undone_at = Timestamptz(null=True, default=None)
    undone_by = UUID(null=True, default=None)


class ImportRow(Table, tablename="import_row"):
    """A roster row a batch created or updated; for an update, its values before (JSON)."""

    id = UUID(primary_key=True)
    batch = ForeignKey(ImportBatch, on_delete=OnDelete.cascade, index=True)
    entity_id = UUID()
    #: create or update.
    action = Varchar(length=10)
    before = Text(null=True, default=None)
