"""Sign-in throttling counts attempts before the password check (``pending``) and within a
window (``counting_since``); keys become keyed digests, so a typed name (perhaps a password)
is never stored. Old rows (plain names) are dropped: throttle state is transient. Failed
sign-ins in the audit log lose the typed name for the same reason. The columns are declared; the
clean-up is plain SQL (piccolo runs it first)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Timestamptz
from piccolo.columns.indexes import IndexMethod

from server.db import engine

ID = "2026-12-01T23:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Sign-in throttle: atomic admission, windows, digests as keys"

_CLEAN = (
    "DELETE FROM login_throttle",
    'UPDATE audit_log SET details = \'{"username": "(removed)"}\''
    " WHERE action = 'auth.login_failed'",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="zoufang", description=DESCRIPTION)

    async def clean() -> None:
        for sql in _CLEAN:
            await engine().run_ddl(sql)

    manager.add_raw(clean)

    manager.add_column(
        table_class_name="LoginThrottle",
        tablename="login_throttle",
        column_name="counting_since",
        db_column_name="counting_since",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="LoginThrottle",
        tablename="login_throttle",
        column_name="pending",
        db_column_name="pending",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
