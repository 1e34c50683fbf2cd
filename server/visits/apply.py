"""Applying a device's visit mutations: checks a visit must pass, and what each op writes."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from server.db import new_id
from server.sync.apply import (
    check_owner,
    delete_record,
    put_children,
    put_record,
    submit_record,
)
from server.sync.entities import DEMAND, VISIT
from server.sync.lookups import Lookups
from server.sync.unit import Rejection, Row, UnitOfWork, validation
from server.visits.tables import Demand, DemandEvent, Visit
from sync import protocol

#: A demand can be withdrawn by its visitor until a supervisor acts on it.
_WITHDRAWABLE = ("received", "resolved_on_site")

Conflicts = list[protocol.FieldConflict]


async def prefetch(uow: UnitOfWork, lookups: Lookups, mutations: Sequence[Any]) -> None:
    """Load, in a few queries, every row the batch's visit mutations touch."""
    ids: set[uuid.UUID] = set()
    campaigns: set[uuid.UUID] = set()
    talents: set[uuid.UUID] = set()
    for m in mutations:
        if isinstance(m, protocol.VisitPut):
            ids.add(m.visit.id)
            campaigns.add(m.visit.campaign_id)
            if m.visit.talent_id:
                talents.add(m.visit.talent_id)
        elif isinstance(m, protocol.VisitSubmit | protocol.VisitDelete):
            ids.add(m.id)
    if not ids:
        return
    await uow.load_ids(VISIT, ids, unit_path=Visit.org_unit.path)
    existing = [i for i in ids if i in uow.rows]
    if existing:
        await uow.load(DEMAND, Demand.visit.is_in(existing))
        campaigns.update(uow.rows[i].values["campaign"] for i in existing)
    await lookups.load(campaigns=campaigns, talents=talents)


def _check(lookups: Lookups, visit: protocol.VisitIn, row: Row | None) -> dict[str, Any]:
    """Checks on the visit as sent; returns its campaign."""
    changed_campaign = row is None or row.values["campaign"] != visit.campaign_id
    campaign = lookups.campaign(visit.campaign_id, require_active=changed_campaign)
    lookups.not_future(visit.visited_on, "visited_on")
    if changed_campaign and not campaign["starts_on"] <= visit.visited_on <= campaign["ends_on"]:
        raise _outside(campaign, visit.visited_on)
    if visit.talent_id is not None:
        if row is None or row.values["talent"] != visit.talent_id:
            lookups.talent(visit.talent_id)
    elif campaign["target_kind"] == "talent":
        raise validation("this campaign visits talents: talent_id is required", "talent_id")
    elif not visit.target_unit_name.strip():
        raise validation("name the unit visited (target_unit_name)", "target_unit_name")
    if unknown := set(visit.sends) - campaign["send_keys"]:
        raise validation(f"not items of this campaign: {sorted(unknown)}", "sends")
    if unknown := set(visit.asks) - campaign["ask_keys"]:
        raise validation(f"not items of this campaign: {sorted(unknown)}", "asks")
    for demand in visit.demands:
        if demand.ask_key not in campaign["ask_keys"]:
            raise validation(
                f"ask_key {demand.ask_key!r} is not an item of this campaign", "ask_key"
            )
    if (visit.latitude is None) != (visit.longitude is None):
        raise validation("latitude and longitude go together", "latitude")
    return campaign


def _outside(campaign: dict[str, Any], day: dt.date) -> Rejection:
    """The refusal of a visit dated outside its campaign, in words the phone shows as they are:
    what is wrong, and who can fix it when no campaign runs on that day (an admin)."""
    starts, ends = campaign["starts_on"].isoformat(), campaign["ends_on"].isoformat()
    return Rejection(
        "sync.outside_campaign",
        f"走访日期 {day.isoformat()} 不在所选走访活动（{campaign['name']}，{starts} 至 {ends}）"
        "的起止日期内，服务器未接收。请改选走访当天进行中的走访活动；如没有，请联系管理员。",
        field="visited_on",
        campaign_name=campaign["name"],
        starts_on=starts,
        ends_on=ends,
    )


def _demand_status(demand: protocol.DemandIn) -> str:
    return "resolved_on_site" if demand.resolved_on_site else "received"


async def put(uow: UnitOfWork, lookups: Lookups, m: protocol.VisitPut) -> tuple[Row, Conflicts]:
    user = uow.actor
    visit = m.visit
    row, conflicts = await put_record(
        uow, VISIT, visit, m.base_version, "visitor", lambda r: _check(lookups, visit, r)
    )

    def event(demand: Row, kind: str) -> None:
        uow.add(
            DemandEvent,
            id=new_id(),
            demand=demand.id,
            kind=kind,
            actor=user.id,
            note="",
            data={},
            created_at=uow.now,
        )

    def created(demand: Row) -> None:
        event(demand, "received")
        if demand.values["resolved_on_site"]:
            event(demand, "resolved_on_site")

    conflicts += await put_children(
        uow,
        DEMAND,
        row,
        visit.demands,
        new_values=lambda d: {"status": _demand_status(d), "org_unit": row.values["org_unit"]},
        can_withdraw=lambda d: d.values["status"] in _WITHDRAWABLE,
        on_create=created,
    )
    # Resolved on site or not is the visitor's call until someone else acts on the demand.
    for demand in uow.children(DEMAND, row.id):
        wanted = "resolved_on_site" if demand.values["resolved_on_site"] else "received"
        if demand.values["status"] in _WITHDRAWABLE and demand.values["status"] != wanted:
            uow.set(demand, "status", wanted)
            if wanted == "resolved_on_site":
                event(demand, "resolved_on_site")
    return row, conflicts


async def submit(uow: UnitOfWork, lookups: Lookups, m: protocol.VisitSubmit) -> Row:
    row = check_owner(uow.actor, uow.get(VISIT, m.id), VISIT, "visitor")
    campaign = lookups.campaign(row.values["campaign"], require_active=False)
    if campaign["photo_required"] and not row.values["photos"]:
        raise validation("this campaign requires at least one photo", "photos")
    if campaign["location_required"] and row.values["latitude"] is None:
        raise validation("this campaign requires the visit's location", "latitude")
    submit_record(uow, row)
    return row


async def delete(
    uow: UnitOfWork, lookups: Lookups, m: protocol.VisitDelete
) -> tuple[Row, Conflicts]:
    row = check_owner(uow.actor, uow.get(VISIT, m.id), VISIT, "visitor", deleted_ok=True)
    return row, await delete_record(uow, row, (DEMAND,), m.base_version)
