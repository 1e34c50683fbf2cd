"""Which roster rows (talents, service centres) a user may read: the one rule that both pull and
the roster lists apply.

- field_staff, supervisor, admin: the rows of their unit's subtree.
- handler: only what the demands they hold need, that is the talents visited in the visits
  those demands came from (assigned to their unit's subtree); no service centre.
"""

from __future__ import annotations

from typing import Any

from server.accounts.schemas import CurrentUser
from server.accounts.scope import in_subtree
from server.demands.tables import Demand
from server.rosters.tables import ServiceCenter, Talent
from server.visits.tables import Visit


def visible_talents(user: CurrentUser) -> Any | None:
    """WHERE clause of the talents ``user`` may read; None: none."""
    if user.role == "handler":
        held = Demand.select(Demand.visit).where(
            in_subtree(Demand.handler_unit, user) & Demand.deleted_at.is_null()
        )
        return Talent.id.is_in(Visit.select(Visit.talent).where(Visit.id.is_in(held)))
    return in_subtree(Talent.org_unit, user)


def visible_centres(user: CurrentUser) -> Any | None:
    """WHERE clause of the service centres ``user`` may read; None: none (demands come from
    visits, so a handler needs no centre)."""
    if user.role == "handler":
        return None
    return in_subtree(ServiceCenter.org_unit, user)
