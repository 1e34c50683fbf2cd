"""Text no database may store: a NUL character is refused before any handler runs.

PostgreSQL cannot keep NUL in text (SQLite can), so it is refused on every engine alike, with
one stable code: in the path, the query string and JSON bodies. A handler that reads its body
itself and refuses NUL its own way (a sync push rejects just the mutation that holds one)
declares ``opt={NUL_CHECKED_BY_HANDLER: True}``.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from server.errors import ApiError
from sync.protocol import contains_nul

NUL_CHECKED_BY_HANDLER = "nul_checked_by_handler"


def _refused() -> ApiError:
    return ApiError(400, "request.nul_character", "text may not contain the NUL character")


async def refuse_nul(request: Request[Any, Any, Any]) -> None:
    """Raise ``request.nul_character`` for a request that carries NUL in its text."""
    query = request.scope.get("query_string", b"")
    if "\x00" in request.scope["path"] or b"%00" in query or b"\x00" in query:
        raise _refused()
    if request.route_handler.opt.get(NUL_CHECKED_BY_HANDLER):
        return
    if request.content_type[0] == "application/json" and contains_nul(await request.body()):
        raise _refused()
