"""A visit as the sync engine carries it: its checks against the campaign and the roster, its
demands, and what submitting it requires. Registered by ``server.domains``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from server.demands.entity import DEMAND, settle_on_site
from server.lookups import Lookups
from server.rosters.tables import Talent
from server.sync.entities import EntitySpec
from server.sync.registry import register_record
from server.sync.rows import Rejection, Row, validation
from server.sync.unit import UnitOfWork
from server.visits.tables import Visit
from sync import protocol


async def _prefetch(uow: UnitOfWork, visits: list[protocol.VisitIn], rows: list[Row]) -> None:
    await Lookups.of(uow).load(
        campaigns=[v.campaign_id for v in visits] + [r.values["campaign"] for r in rows],
        talents=[v.talent_id for v in visits if v.talent_id],
    )


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


def _check(uow: UnitOfWork, visit: protocol.VisitIn, row: Row | None) -> None:
    """Checks on the visit as sent."""
    lookups = Lookups.of(uow)
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


async def _describe(rows: list[Row]) -> dict[Any, str]:
    """The talent visited (or the unit, for a unit campaign) and the day."""
    ids = list({r.values["talent"] for r in rows} - {None})
    names = {}
    if ids:
        found = await Talent.select(Talent.id, Talent.name).where(Talent.id.is_in(ids))
        names = {t["id"]: t["name"] for t in found}
    return {
        r.id: _label(names.get(r.values["talent"]) or r.values["target_unit_name"], r) for r in rows
    }


def _label(target: str, row: Row) -> str:
    return " · ".join(str(p) for p in (target, row.values["visited_on"]) if p)


def _before_submit(uow: UnitOfWork, row: Row) -> None:
    campaign: dict[str, Any] = Lookups.of(uow).campaign(
        row.values["campaign"], require_active=False
    )
    if campaign["photo_required"] and not row.values["photos"]:
        raise validation("this campaign requires at least one photo", "photos")
    if campaign["location_required"] and row.values["latitude"] is None:
        raise validation("this campaign requires the visit's location", "latitude")


VISIT = register_record(
    EntitySpec(
        "visit",
        Visit,
        protocol.VisitFields,
        protocol.VisitRecord,
        root="visit",
        owner_column="visitor",
        children=(DEMAND,),
        free_text=frozenset({"notes", "policies"}),
        prefetch=_prefetch,
        check=_check,
        after_put=settle_on_site,
        before_submit=_before_submit,
        describe=_describe,
    ),
    put=protocol.VisitPut,
    submit=protocol.VisitSubmit,
    delete=protocol.VisitDelete,
)
