"""The supervisor's desk (issue 12): review decisions as rows, and the text search's indexes.

Adds ``review_decision`` (one row per approve or return, so a record keeps its review history)
and, per engine, the index the desk's text search uses (``server.desk.search``): on SQLite,
FTS5 tables with the trigram tokenizer over visits, inspections and demands, external-content
and kept in step by triggers; on PostgreSQL, ``pg_trgm`` GIN indexes on the same text; and plain indexes on what the list
sorts and counts by. Both
find substrings of Chinese text, which has no spaces between words. The table's columns are frozen here as
they were; the rest is plain SQL. Existing rows are indexed as the migration runs.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import UUID, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.defaults.uuid import UUID4
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

from server.db import engine, is_postgres

ID = "2026-12-02T01:14:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Supervisor's desk: review decisions as rows, text search indexes per engine"


class User(Table, tablename="app_user"):
    id = UUID(primary_key=True)


def _params(**extra: object) -> dict[str, object]:
    return {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **extra,
    }


#: review_decision's columns as the table class declared them at this migration.
_COLUMNS = (
    ("id", UUID, _params(default=UUID4(), primary_key=True)),
    ("entity", Varchar, _params(length=20, default="")),
    ("record_id", UUID, _params(default=UUID4(), index=True)),
    ("decision", Varchar, _params(length=10, default="")),
    ("comment", Text, _params(default="")),
    (
        "reviewer",
        ForeignKey,
        _params(
            references=User,
            on_delete=OnDelete.restrict,
            on_update=OnUpdate.cascade,
            target_column=None,
        ),
    ),
    ("reviewed_version", Integer, _params(default=0)),
    ("version", Integer, _params(default=0)),
    ("created_at", Timestamptz, _params(default=TimestamptzNow())),
)


#: (table, FTS table, its text columns): what the search reads on each record kind.
_SEARCHED = (
    ("visit", "visit_search", ("target_unit_name", "place", "notes")),
    ("inspection", "inspection_search", ("notes",)),
    ("demand", "demand_search", ("description",)),
)


#: Plain indexes the desk's list reads by on both engines: a visit's demands (counted per row,
#: and the has-demands filter), the day each list sorts and filters by, the talent or centre
#: a search by name finds.
_INDEXES = (
    "CREATE INDEX demand_visit ON demand (visit)",
    "CREATE INDEX visit_visited_on ON visit (visited_on)",
    "CREATE INDEX inspection_inspected_on ON inspection (inspected_on)",
    "CREATE INDEX visit_talent ON visit (talent)",
    "CREATE INDEX inspection_service_center ON inspection (service_center)",
)
_DROP_INDEXES = (
    "DROP INDEX IF EXISTS demand_visit",
    "DROP INDEX IF EXISTS visit_visited_on",
    "DROP INDEX IF EXISTS inspection_inspected_on",
    "DROP INDEX IF EXISTS visit_talent",
    "DROP INDEX IF EXISTS inspection_service_center",
)


def _sqlite_forwards() -> list[str]:
    out = list(_INDEXES)
    for table, fts, columns in _SEARCHED:
        cols = ", ".join(columns)
        new = ", ".join(f"new.{c}" for c in columns)
        old = ", ".join(f"old.{c}" for c in columns)
        add = f"INSERT INTO {fts} (rowid, {cols}) VALUES (new.rowid, {new});"
        drop = f"INSERT INTO {fts} ({fts}, rowid, {cols}) VALUES ('delete', old.rowid, {old});"
        out += [
            f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}',"
            " content_rowid='rowid', tokenize='trigram')",
            f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN {add} END",
            f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN {drop} END",
            f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {cols} ON {table} BEGIN {drop} {add} END",
            f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')",
        ]
    return out


def _sqlite_backwards() -> list[str]:
    return [*_DROP_INDEXES] + [f"DROP TABLE IF EXISTS {fts}" for _, fts, _ in _SEARCHED]


def _pg_text(columns: tuple[str, ...]) -> str:
    """The indexed expression; ``server.desk.search`` spells it the same way."""
    return " || ' ' || ".join(columns)


def _pg_forwards() -> list[str]:
    return ["CREATE EXTENSION IF NOT EXISTS pg_trgm", *_INDEXES] + [
        f"CREATE INDEX {fts}_trgm ON {table} USING gin (({_pg_text(columns)}) gin_trgm_ops)"
        for table, fts, columns in _SEARCHED
    ]


def _pg_backwards() -> list[str]:
    return [*_DROP_INDEXES] + [f"DROP INDEX IF EXISTS {fts}_trgm" for _, fts, _ in _SEARCHED]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="zoufang", description=DESCRIPTION)
    manager.add_table(
        class_name="ReviewDecision", tablename="review_decision", schema=None, columns=None
    )
    for name, column_class, params in _COLUMNS:
        manager.add_column(
            table_class_name="ReviewDecision",
            tablename="review_decision",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )

    async def run_forwards() -> None:
        for sql in _pg_forwards() if is_postgres() else _sqlite_forwards():
            await engine().run_ddl(sql)

    async def run_backwards() -> None:
        for sql in _pg_backwards() if is_postgres() else _sqlite_backwards():
            await engine().run_ddl(sql)

    manager.add_raw(run_forwards)
    manager.add_raw_backwards(run_backwards)
    return manager
