"""Helpers for hand-written migrations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from server.db.turns import engine


def sql_migration(
    migration_id: str, description: str, forwards: Sequence[str], backwards: Sequence[str]
) -> Any:
    """A piccolo migration made of plain SQL statements that run on SQLite and PostgreSQL
    alike (for what piccolo cannot declare, such as composite unique keys)."""
    from piccolo.apps.migrations.auto.migration_manager import MigrationManager

    manager = MigrationManager(
        migration_id=migration_id, app_name="zoufang", description=description
    )

    async def run(statements: Sequence[str]) -> None:
        for sql in statements:
            await engine().run_ddl(sql)

    async def run_forwards() -> None:
        await run(forwards)

    async def run_backwards() -> None:
        await run(backwards)

    manager.add_raw(run_forwards)
    manager.add_raw_backwards(run_backwards)
    return manager
