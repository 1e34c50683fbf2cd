"""The demand loop (诉求闭环) as its followers read it: lists by view, one demand with its events.

A visit brings a demand in (``received``, or ``resolved_on_site`` when the visitor settled it
there); people then move it along one step at a time (``server.demands.steps`` says which,
``server.demands.actions`` takes them). Reviewers see their area's demands, a handler unit those
assigned to it, a visitor those they brought in. A demand's events list the steps taken and the
automatic 催办 and 督办 (``server.demands.reminders``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from server.accounts.schemas import CurrentUser
from server.accounts.scope import SUBTREE_ROLES, demand_filter
from server.accounts.tables import OrgUnit
from server.db import county_today, json_load
from server.demands.schemas import (
    DemandDetailOut,
    DemandEventOut,
    DemandOut,
    HandlerUnitOut,
    View,
)
from server.demands.steps import IN_HAND, allowed_actions
from server.demands.tables import Demand, DemandEvent, DemandReminder

#: Statuses of a demand still being worked on, and of one that is finished.
OPEN = (
    "received",
    "assigned",
    "acknowledged",
    "in_progress",
    "replied",
    "revisited",
    "sent_back",
)
FINISHED = ("closed", "resolved_on_site")
#: Units a demand can be assigned to: county departments, townships and subdistricts.
HANDLER_UNIT_KINDS = ("department", "township", "subdistrict")


_COLUMNS = (
    *Demand.all_columns(exclude=[Demand.change_seq, Demand.deleted_at]),
    Demand.handler_unit.name.as_alias("handler_unit_name"),
    Demand.handler_unit.path.as_alias("handler_path"),
    Demand.org_unit.name.as_alias("org_unit_name"),
    Demand.org_unit.path.as_alias("unit_path"),
    Demand.visit.visited_on.as_alias("visited_on"),
    Demand.visit.visitor.as_alias("visitor_id"),
    Demand.visit.visitor.display_name.as_alias("visitor_name"),  # type: ignore[union-attr]
    Demand.visit.target_unit_name.as_alias("target_unit_name"),
    Demand.visit.talent.name.as_alias("talent_name"),  # type: ignore[union-attr]
    Demand.visit.talent.employer.as_alias("talent_employer"),  # type: ignore[union-attr]
)
_DETAIL_COLUMNS = (
    *_COLUMNS,
    Demand.visit.asks.as_alias("asks"),
    Demand.visit.visitors.as_alias("visitors"),
)


def _where(user: CurrentUser) -> Any | None:
    """Live demands of visits sent in (never a draft's) that this user may read."""
    scope = demand_filter(user, Demand.visit.visitor, Demand.org_unit, Demand.handler_unit)
    if scope is None:
        return None
    return (
        scope
        & Demand.deleted_at.is_null()
        & Demand.visit.deleted_at.is_null()
        & (Demand.visit.status != "draft")
    )


def _view(view: View, day: dt.date) -> Any | None:
    if view == "to_assign":
        return Demand.status == "received"
    if view == "in_hand":
        return Demand.status.is_in(list(IN_HAND))
    if view == "sent_back":
        return Demand.status == "sent_back"
    if view == "extension_requested":
        return Demand.status.is_in(list(IN_HAND)) & Demand.extension_due_date.is_not_null()
    if view in ("replied", "revisited"):
        return Demand.status == view
    if view == "overdue":
        return Demand.status.is_in(list(OPEN)) & (Demand.due_date < day)
    if view == "finished":
        return Demand.status.is_in(list(FINISHED))
    if view == "open":
        return Demand.status.is_in(list(OPEN))
    return None


async def list_demands(
    user: CurrentUser, view: View, limit: int, offset: int
) -> tuple[int, list[DemandOut]]:
    where = _where(user)
    if where is None:
        return 0, []
    day = county_today()
    if (narrow := _view(view, day)) is not None:
        where &= narrow
    total = await Demand.count().where(where)
    query = Demand.select(*_COLUMNS).where(where)
    if view in ("in_hand", "overdue"):  # the nearest deadline first
        query = query.order_by(Demand.due_date)
    # The id last: pages of a list never overlap, however many share a time.
    query = query.order_by(Demand.created_at, ascending=False).order_by(Demand.id)
    rows = await query.limit(limit).offset(offset)
    return total, [_out(r, day) for r in rows]


def _out(r: dict[str, Any], day: dt.date) -> DemandOut:
    return DemandOut(**_fields(r, day))


def _fields(r: dict[str, Any], day: dt.date) -> dict[str, Any]:
    due = r["due_date"]
    late = due is not None and r["status"] in OPEN and due < day
    return {
        "id": r["id"],
        "version": r["version"],
        "status": r["status"],
        "category": r["category"],
        "ask_key": r["ask_key"],
        "description": r["description"],
        "resolved_on_site": r["resolved_on_site"],
        "handler_unit_id": r["handler_unit"],
        "handler_unit_name": r["handler_unit_name"],
        "due_date": due,
        "assigned_at": r["assigned_at"],
        "acknowledged_at": r["acknowledged_at"],
        "extension_due_date": r["extension_due_date"],
        "extension_reason": r["extension_reason"],
        "closed_at": r["closed_at"],
        "satisfaction": r["satisfaction"],
        "overdue": late,
        "days_overdue": (day - due).days if late else 0,
        "escalations": len(json_load(r["escalations"]) or []),
        "visit_id": r["visit"],
        "visited_on": r["visited_on"],
        "talent_name": r["talent_name"],
        "talent_employer": r["talent_employer"],
        "target_unit_name": r["target_unit_name"] or "",
        "visitor_name": r["visitor_name"],
        "org_unit_name": r["org_unit_name"],
        "created_at": r["created_at"],
    }


async def read(user: CurrentUser, demand_id: uuid.UUID) -> dict[str, Any] | None:
    where = _where(user)
    if where is None:
        return None
    return await Demand.select(*_DETAIL_COLUMNS).where(where & (Demand.id == demand_id)).first()


async def get_demand(user: CurrentUser, demand_id: uuid.UUID) -> DemandDetailOut | None:
    r = await read(user, demand_id)
    if r is None:
        return None
    events = await (
        DemandEvent.select(
            *DemandEvent.all_columns(), DemandEvent.actor.display_name.as_alias("actor_name")
        )
        .where(DemandEvent.demand == demand_id)
        .order_by(DemandEvent.created_at)
        .order_by(DemandEvent.id)
    )
    asks = json_load(r["asks"]) or {}
    reminders = await DemandReminder.select().where(DemandReminder.demand == demand_id)
    history = [
        DemandEventOut(
            id=e["id"],
            kind=e["kind"],
            actor_name=e["actor_name"] or "",
            note=e["note"],
            data=json_load(e["data"]) or {},
            created_at=e["created_at"],
        )
        for e in events
    ] + [
        # Sent by the reminders job: no actor.
        DemandEventOut(
            id=uuid.uuid5(demand_id, m["key"]),
            kind=m["kind"],
            actor_name="",
            note="",
            data={"automatic": True, "due_date": m["due_date"].isoformat()},
            created_at=m["created_at"],
        )
        for m in reminders
    ]
    return DemandDetailOut(
        **_fields(r, county_today()),
        ask_text=str(asks.get(r["ask_key"], "")),
        visitors=json_load(r["visitors"]) or [],
        events=sorted(history, key=lambda e: e.created_at),
        actions=allowed_actions(user, r),
    )


async def handler_units(user: CurrentUser) -> list[HandlerUnitOut]:
    """Units this reviewer may assign demands to: departments, townships, subdistricts below them."""
    if user.role not in SUBTREE_ROLES:
        return []
    rows = await (
        OrgUnit.select(OrgUnit.id, OrgUnit.name, OrgUnit.kind)
        .where(
            OrgUnit.path.like(f"{user.org_unit_path}%")
            & OrgUnit.kind.is_in(list(HANDLER_UNIT_KINDS))
        )
        .order_by(OrgUnit.kind)
        .order_by(OrgUnit.path)
    )
    return [HandlerUnitOut(id=r["id"], name=r["name"], kind=r["kind"]) for r in rows]
