"""Shared pieces of the record read models (visits, inspections): paging and missing photos."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from litestar.params import QueryParameter

from server.db import json_load
from server.media.tables import Media

#: Page size and offset query parameters, bounded so a list request cannot ask for everything
#: (and an offset past every list fits the databases' integers: a larger one is a 400).
Limit = Annotated[int, QueryParameter(ge=1, le=200)]
Offset = Annotated[int, QueryParameter(ge=0, le=10_000_000)]


async def page_in_scope(
    table: Any,
    columns: Sequence[Any],
    scope: Any | None,
    day_column: Any,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[int, list[dict[str, Any]]]:
    """A page of a record table within ``scope`` (None: nothing), newest day first."""
    if scope is None:
        return 0, []
    where = scope & table.deleted_at.is_null()
    if status:
        where &= table.status == status
    total = await table.count().where(where)
    rows = await (
        table.select(*columns)
        .where(where)
        .order_by(day_column, ascending=False)
        .order_by(table.created_at, ascending=False)
        .limit(limit)
        .offset(offset)
    )
    return total, rows


async def one_in_scope(
    table: Any, columns: Sequence[Any], scope: Any | None, record_id: Any
) -> dict[str, Any] | None:
    """One live record by id, or None when absent or outside ``scope``."""
    if scope is None:
        return None
    return await (
        table.select(*columns)
        .where(scope & (table.id == record_id) & table.deleted_at.is_null())
        .first()
    )


async def missing_photos(photo_lists: list[Any]) -> list[list[str]]:
    """For each record's photo list (JSON of sha256 strings), those not fully uploaded yet."""
    lists = [[str(p) for p in (json_load(photos) or [])] for photos in photo_lists]
    wanted = sorted({sha for photos in lists for sha in photos})
    have: set[str] = set()
    if wanted:
        rows = await Media.select(Media.sha256).where(
            Media.sha256.is_in(wanted) & Media.complete.eq(True)
        )
        have = {r["sha256"] for r in rows}
    return [[sha for sha in photos if sha not in have] for photos in lists]
