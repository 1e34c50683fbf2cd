"""Shared pieces of the read models: pages of a list, and paging records within a scope."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar

import msgspec
from litestar.params import QueryParameter

T = TypeVar("T")


class Page(msgspec.Struct, Generic[T], kw_only=True):
    """One page of a list: the items, and how many match in all."""

    total: int
    items: list[T]


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
