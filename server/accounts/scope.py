"""Least privilege by role and org unit, in one place.

- field_staff: their own records (rosters: ``server.rosters.scope``).
- supervisor, admin: every record and roster of their unit's subtree.
- handler: demands assigned to their unit's subtree (and the records those demands came from).
Every query that returns records to a user goes through these filters.
"""

from __future__ import annotations

from typing import Any

from piccolo.columns import Column, ForeignKey

from server.accounts.schemas import CurrentUser

SUBTREE_ROLES = ("supervisor", "admin")


def in_subtree(unit_column: ForeignKey, user: CurrentUser) -> Any:
    """WHERE the row's org unit lies in the user's subtree."""
    return unit_column.path.like(f"{user.org_unit_path}%")


def record_filter(user: CurrentUser, owner_column: Column, unit_column: ForeignKey) -> Any | None:
    """WHERE clause for records (visits, inspections) this user may read; None: nothing."""
    if user.role == "field_staff":
        return owner_column == user.id
    if user.role in SUBTREE_ROLES:
        return in_subtree(unit_column, user)
    return None


def demand_filter(
    user: CurrentUser, owner_column: Column, unit_column: ForeignKey, handler_column: ForeignKey
) -> Any | None:
    """WHERE clause for demands this user may read: a visitor those of their own visits, a
    reviewer those raised in their subtree, a handler those assigned to their unit's subtree."""
    if user.role == "handler":
        return in_subtree(handler_column, user)
    return record_filter(user, owner_column, unit_column)
