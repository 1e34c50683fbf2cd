"""Stored summaries: each generated weekly summary's figures and files (server.reports).
Additive: one new table."""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import JSON, UUID, Bytea, Date, ForeignKey, Timestamptz, Varchar
from piccolo.columns.defaults.date import DateNow
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.defaults.uuid import UUID4
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-02T01:16:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Stored summaries: figures and files of each generated weekly summary"


class OrgUnit(Table, tablename="org_unit", schema=None):
    id = UUID(default=UUID4(), primary_key=True)


class User(Table, tablename="app_user", schema=None):
    id = UUID(default=UUID4(), primary_key=True)


def _fk(table: type[Table], null: bool, index: bool) -> dict[str, Any]:
    return {
        "references": table,
        "on_delete": OnDelete.restrict,
        "on_update": OnUpdate.cascade,
        "target_column": None,
        "null": null,
        "default": None,
        "index": index,
    }


#: name, class, params beyond the common ones
_COLUMNS: list[tuple[str, Any, dict[str, Any]]] = [
    ("id", UUID, {"default": UUID4(), "primary_key": True}),
    ("org_unit", ForeignKey, _fk(OrgUnit, null=False, index=True)),
    ("campaign", UUID, {"default": None, "null": True}),
    ("period_kind", Varchar, {"length": 10, "default": ""}),
    ("period", Varchar, {"length": 10, "default": ""}),
    ("starts_on", Date, {"default": DateNow()}),
    ("ends_on", Date, {"default": DateNow()}),
    ("figures", JSON, {"default": "{}"}),
    ("xlsx", Bytea, {"default": b""}),
    ("docx", Bytea, {"default": b""}),
    ("csv", Bytea, {"default": b""}),
    ("generated_by", ForeignKey, _fk(User, null=True, index=False)),
    ("generated_at", Timestamptz, {"default": TimestamptzNow()}),
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="zoufang", description=DESCRIPTION)
    manager.add_table(
        class_name="StoredReport", tablename="stored_report", schema=None, columns=None
    )
    for name, column_class, params in _COLUMNS:
        manager.add_column(
            table_class_name="StoredReport",
            tablename="stored_report",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params={
                "null": False,
                "primary_key": False,
                "unique": False,
                "index": False,
                "index_method": IndexMethod.btree,
                "choices": None,
                "db_column_name": None,
                "secret": False,
                **params,
            },
            schema=None,
        )
    return manager
