"""The admin console: org units can be deactivated (never deleted once they hold records); a
user reset by an admin must change the one-time password at next sign-in; and a user's
``scope_seq`` is the change number of their last scope change (unit, role, deactivation), so a
pull from a cursor older than it resyncs from scratch. Additive columns with defaults."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt, Boolean
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T01:11:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Admin console: unit deactivation, forced password change, scope changes"


def _params(default: object) -> dict[str, object]:
    return {
        "default": default,
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="zoufang", description=DESCRIPTION)
    for table, tablename, column, column_class, default in (
        ("OrgUnit", "org_unit", "active", Boolean, True),
        ("User", "app_user", "must_change_password", Boolean, False),
        ("User", "app_user", "scope_seq", BigInt, 0),
    ):
        manager.add_column(
            table_class_name=table,
            tablename=tablename,
            column_name=column,
            db_column_name=column,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=_params(default),
            schema=None,
        )
    return manager
