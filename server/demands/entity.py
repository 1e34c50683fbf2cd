"""A demand as the sync engine carries it: a row nested in its visit, edited on the visitor's
phone until someone acts on it, and a demand event for each step it takes."""

from __future__ import annotations

from typing import Any

from server.db import new_id
from server.demands.tables import Demand, DemandEvent
from server.sync.entities import EntitySpec
from server.sync.rows import Row
from server.sync.unit import UnitOfWork
from sync import protocol

#: A demand can be withdrawn by its visitor until a supervisor acts on it.
WITHDRAWABLE = ("received", "resolved_on_site")


def _status(resolved_on_site: bool) -> str:
    return "resolved_on_site" if resolved_on_site else "received"


def event(uow: UnitOfWork, demand: Row | Any, kind: str, note: str = "", **data: Any) -> None:
    """Record one step of a demand's loop, written with the rest of the mutation."""
    demand_id = demand.id if isinstance(demand, Row) else demand
    uow.add(
        DemandEvent,
        id=new_id(),
        demand=demand_id,
        kind=kind,
        actor=uow.actor.id,
        note=note,
        data=data,
        created_at=uow.now,
    )


def _new_values(visit: Row, demand: protocol.DemandIn) -> dict[str, Any]:
    return {"status": _status(demand.resolved_on_site), "org_unit": visit.values["org_unit"]}


def _created(uow: UnitOfWork, demand: Row) -> None:
    event(uow, demand, "received")
    if demand.values["resolved_on_site"]:
        event(uow, demand, "resolved_on_site")


def settle_on_site(uow: UnitOfWork, visit: Row) -> None:
    """Resolved on site or not is the visitor's call until someone else acts on the demand."""
    for demand in uow.children(DEMAND, visit.id):
        wanted = _status(demand.values["resolved_on_site"])
        if demand.values["status"] in WITHDRAWABLE and demand.values["status"] != wanted:
            uow.set(demand, "status", wanted)
            if wanted == "resolved_on_site":
                event(uow, demand, "resolved_on_site")


DEMAND = EntitySpec(
    "demand",
    Demand,
    protocol.DemandFields,
    protocol.DemandRecord,
    root="visit",
    parent_column="visit",
    items_field="demands",
    free_text=frozenset({"description"}),
    new_values=_new_values,
    can_withdraw=lambda demand: demand.values["status"] in WITHDRAWABLE,
    on_create=_created,
)
