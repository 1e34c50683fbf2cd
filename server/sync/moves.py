"""Rows that move between org units, and the tombstones that moving owes to phones.

Pull sends a row to whoever's subtree holds its unit. When a write moves a row to another
unit, :func:`record_move` keeps (entity, id, old path, new path) under the write's change
number; pull (``server.sync.pull``) then sends a tombstone for it, at that change number, to
every user whose subtree held the old path but does not hold the new one. Users who may now see
the row get it as usual, since the move bumped its change number. Any entity whose pull scope
is its unit's subtree can use this: rosters today, users tomorrow.
"""

from __future__ import annotations

import uuid
from typing import Any

from server.accounts.schemas import CurrentUser
from server.db import new_id
from server.sync.tables import ScopeMove
from server.sync.write import ServerWrite


async def record_move(
    write: ServerWrite, entity: str, entity_id: uuid.UUID, old_path: str, new_path: str
) -> None:
    """Within ``write``: ``entity_id`` moves from the unit at ``old_path`` to ``new_path``,
    kept at the write's change number. Nothing is kept when the unit stays the same."""
    if old_path == new_path:
        return
    await ScopeMove.insert(
        ScopeMove(
            id=new_id(),
            entity=entity,
            entity_id=entity_id,
            old_path=old_path,
            new_path=new_path,
            change_seq=write.change_seq,
            created_at=write.now,
        )
    )


def left_scope(user: CurrentUser) -> Any:
    """WHERE a move took a row out of ``user``'s subtree: held the old unit, not the new one."""
    prefix = f"{user.org_unit_path}%"
    return ScopeMove.old_path.like(prefix) & ScopeMove.new_path.not_like(prefix)
