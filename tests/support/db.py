"""Fresh-state helpers: migrate once, seed the demo county once, restore it after each test."""

from __future__ import annotations

from typing import Any

from piccolo.table import Table

from server.cli import migrate
from server.db import engine, is_postgres
from server.demo import seed
from server.piccolo_app import APP_CONFIG

Snapshot = dict[type[Table], list[dict[str, Any]]]


def _tables() -> list[type[Table]]:
    """Every table, parents before children (the order APP_CONFIG lists them)."""
    return list(APP_CONFIG.table_classes)


async def prepare() -> Snapshot:
    await engine().start_connection_pool(min_size=1, max_size=10)  # type: ignore[attr-defined]
    await migrate()
    await wipe()
    await seed()
    snapshot: Snapshot = {}
    for table in _tables():
        query = table.select()
        if table._meta.tablename == "org_unit":
            rows = sorted(await query, key=lambda r: len(r["path"]))
        else:
            rows = await query
        snapshot[table] = rows
    return snapshot


async def wipe() -> None:
    tables = _tables()
    if is_postgres():
        names = ", ".join(f'"{t._meta.tablename}"' for t in tables)
        await engine().run_ddl(f"TRUNCATE {names} CASCADE")
        return
    for table in reversed(tables):
        if table._meta.tablename == "org_unit":
            # Children first: the self-reference restricts deleting a parent.
            for row in sorted(
                await table.select(table.id, table.path), key=lambda r: -len(r["path"])
            ):  # type: ignore[attr-defined]
                await table.delete().where(table.id == row["id"])  # type: ignore[attr-defined]
        else:
            await table.delete(force=True)


async def restore(snapshot: Snapshot) -> None:
    await wipe()
    for table, rows in snapshot.items():
        if rows:
            await table.insert(*[table(**row) for row in rows])


async def close() -> None:
    await engine().close_connection_pool()  # type: ignore[attr-defined]
