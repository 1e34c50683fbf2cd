"""Database plumbing shared by every domain, a module each:

- ``turns``: the engine, write transactions (SQLite's take turns), WAL, which engine runs;
- ``pool``: the SQLite connection pool;
- ``clock``: the server's clock, the county's date, ids the server mints;
- ``columns``: the column mixins of synced tables, reading JSON columns;
- ``migrations``: hand-written SQL migrations that run on both engines, one migrator at a time.
"""

from server.db.clock import SHANGHAI, county_today, new_id, utcnow
from server.db.columns import Synced, Timestamped, json_load
from server.db.migrations import migration_lock, sql_migration
from server.db.pool import PooledSQLiteEngine
from server.db.turns import engine, is_postgres, transaction, use_write_ahead_log

__all__ = [
    "SHANGHAI",
    "PooledSQLiteEngine",
    "Synced",
    "Timestamped",
    "county_today",
    "engine",
    "is_postgres",
    "json_load",
    "migration_lock",
    "new_id",
    "sql_migration",
    "transaction",
    "use_write_ahead_log",
    "utcnow",
]
