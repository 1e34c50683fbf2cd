"""Shared pieces of the record read models (visits, inspections): paging and missing photos."""

from __future__ import annotations

from typing import Annotated, Any

from litestar.params import QueryParameter

from server.db import json_load
from server.media.tables import Media

#: Page size and offset query parameters, bounded so a list request cannot ask for everything.
Limit = Annotated[int, QueryParameter(ge=1, le=200)]
Offset = Annotated[int, QueryParameter(ge=0)]


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
