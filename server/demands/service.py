"""The demand loop (诉求闭环): 受理 → 交办 → 办理 → 答复 → 回访 → 办结销号, with 督办 on the way.

A visit brings a demand in (``received``, or ``resolved_on_site`` when the visitor settled it
there). From then on people move it along, one step at a time (:data:`STEPS`): a reviewer
assigns it to a handler unit with a due date, the handler records progress and replies, the
reviewer or the visitor calls the talent back and notes their satisfaction, and a reviewer
closes it out, or assigns it again. Overdue demands can be escalated.

Each step is one server write (``server.sync.write``: versioned, with a change number, so the
visitor's phone pulls the new status), one demand event (actor, time, note) and one audit
entry. A step names the version its author read: one taken on a demand someone else has moved
meanwhile is refused, never applied to a state its author did not see.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from server.accounts.schemas import CurrentUser
from server.accounts.scope import SUBTREE_ROLES, demand_filter
from server.accounts.tables import OrgUnit
from server.db import county_today, json_load
from server.demands.entity import DEMAND, event
from server.demands.schemas import (
    DemandActionIn,
    DemandDetailOut,
    DemandEventOut,
    DemandOut,
    HandlerUnitOut,
    View,
)
from server.demands.tables import Demand, DemandEvent
from server.errors import ApiError, forbidden, not_found
from server.sync.write import server_write

STREAM = "server:demand"

#: Statuses of a demand still being worked on, and of one that is finished.
OPEN = ("received", "assigned", "in_progress", "replied", "revisited")
FINISHED = ("closed", "resolved_on_site")
#: Units a demand can be assigned to: county departments, townships and subdistricts.
HANDLER_UNIT_KINDS = ("department", "township", "subdistrict")
#: How far ahead a due date may be set.
MAX_DUE_DAYS = 366


@dataclass(frozen=True)
class Step:
    #: Statuses the step can be taken from, and the status it leads to (None: unchanged).
    after: tuple[str, ...]
    leads_to: str | None
    #: Who takes it: "reviewer" (supervisors and admins over the demand's unit), "handler"
    #: (the handler unit's people, or a reviewer recording it for them), "revisit" (a reviewer,
    #: or the visitor who brought the demand in).
    who: str
    #: Whether a note is required (a reply's content, why it is escalated).
    needs_note: bool = False


STEPS: dict[str, Step] = {
    "assign": Step(("received", "replied", "revisited"), "assigned", "reviewer"),
    "progress": Step(("assigned", "in_progress"), "in_progress", "handler"),
    "reply": Step(("assigned", "in_progress"), "replied", "handler", needs_note=True),
    "revisit": Step(("replied",), "revisited", "revisit"),
    "close_out": Step(("revisited",), "closed", "reviewer"),
    "escalate": Step(("assigned", "in_progress"), None, "reviewer", needs_note=True),
}


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
        return Demand.status.is_in(["assigned", "in_progress"])
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


def _may(user: CurrentUser, who: str, r: dict[str, Any]) -> bool:
    reviewer = user.role in SUBTREE_ROLES and user.covers(r["unit_path"] or "")
    if who == "reviewer":
        return reviewer
    if who == "handler":
        handler_path = r["handler_path"] or ""
        return reviewer or (
            user.role == "handler" and bool(handler_path) and user.covers(handler_path)
        )
    return reviewer or str(r["visitor_id"]) == str(user.id)  # revisit


def allowed_actions(user: CurrentUser, r: dict[str, Any]) -> list[str]:
    """The steps this user may take on this demand now."""
    return [
        name
        for name, step in STEPS.items()
        if r["status"] in step.after and _may(user, step.who, r)
    ]


async def _read(user: CurrentUser, demand_id: uuid.UUID) -> dict[str, Any] | None:
    where = _where(user)
    if where is None:
        return None
    return await Demand.select(*_DETAIL_COLUMNS).where(where & (Demand.id == demand_id)).first()


async def get_demand(user: CurrentUser, demand_id: uuid.UUID) -> DemandDetailOut | None:
    r = await _read(user, demand_id)
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
    return DemandDetailOut(
        **_fields(r, county_today()),
        ask_text=str(asks.get(r["ask_key"], "")),
        visitors=json_load(r["visitors"]) or [],
        events=[
            DemandEventOut(
                id=e["id"],
                kind=e["kind"],
                actor_name=e["actor_name"] or "",
                note=e["note"],
                data=json_load(e["data"]) or {},
                created_at=e["created_at"],
            )
            for e in events
        ],
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


async def _checked(user: CurrentUser, r: dict[str, Any], data: DemandActionIn) -> dict[str, Any]:
    """The columns the step sets, once it is allowed and its input is valid (else ApiError)."""
    step = STEPS[data.action]
    if r["status"] not in step.after:
        raise ApiError(
            409,
            "demand.invalid_step",
            f"a demand that is {r['status']} cannot take the step {data.action}",
            {"status": r["status"], "allowed": allowed_actions(user, r)},
        )
    if not _may(user, step.who, r):
        raise forbidden(f"you may not take the step {data.action} on this demand")
    note = data.note.strip()
    if step.needs_note and not note:
        raise ApiError(400, "demand.note_required", f"the step {data.action} needs a note")
    if data.action == "assign":
        return await _assignment(user, data)
    if data.action == "revisit":
        if data.satisfaction is None:
            raise ApiError(400, "demand.satisfaction_required", "say how satisfied the talent is")
        return {"satisfaction": data.satisfaction}
    return {}


async def _assignment(user: CurrentUser, data: DemandActionIn) -> dict[str, Any]:
    if data.handler_unit_id is None or data.due_date is None:
        raise ApiError(400, "demand.assignment_incomplete", "name the handler unit and a due date")
    day = county_today()
    if not day <= data.due_date <= day + dt.timedelta(days=MAX_DUE_DAYS):
        raise ApiError(
            400,
            "demand.due_date_invalid",
            f"the due date must lie between today and {MAX_DUE_DAYS} days ahead",
            {"today": day.isoformat()},
        )
    units = {u.id for u in await handler_units(user)}
    if data.handler_unit_id not in units:
        raise ApiError(
            400,
            "demand.handler_unit_invalid",
            "demands go to a department, township or subdistrict in your area",
        )
    return {"handler_unit": data.handler_unit_id, "due_date": data.due_date}


async def act(
    demand_id: uuid.UUID, data: DemandActionIn, user: CurrentUser, ip: str
) -> DemandDetailOut:
    """Take one step on a demand (see :data:`STEPS`)."""
    async with server_write(user, STREAM, ip=ip) as write:
        now, unit = write.now, write.uow
        r = await _read(user, demand_id)
        if r is None:
            raise not_found("demand")
        values = await _checked(user, r, data)
        # The write began with the change counter, which serialises writers: the row read below
        # is the latest.
        row = (await unit.load(DEMAND, Demand.id == demand_id))[0]
        if row.version != data.version or row.values["status"] != r["status"]:
            raise ApiError(
                409,
                "demand.stale_version",
                "the demand changed since you opened it; reload it and look again",
                {"current_version": row.version},
            )
        step = STEPS[data.action]
        note = data.note.strip()
        unit.begin(None)
        if step.leads_to is not None:
            values["status"] = step.leads_to
        if data.action == "assign":
            # Assigned again after an answer the talent was not happy with: a new round, whose
            # outcome is not yet known.
            values.update(assigned_at=now, satisfaction=None)
        elif data.action == "close_out":
            values["closed_at"] = now
        elif data.action == "escalate":
            values["escalations"] = [
                *(row.values["escalations"] or []),
                {"at": now.isoformat(), "by": str(user.id), "note": note},
            ]
        for column, value in values.items():
            unit.set(row, column, value)
        details = {
            k: str(v)
            for k, v in values.items()
            if k in ("handler_unit", "due_date", "satisfaction") and v is not None
        }
        event(unit, demand_id, data.action, note, **details)
        unit.commit()
        await write.audit(
            f"demand.{data.action}",
            entity="demand",
            entity_id=demand_id,
            details={**details, "note": note, "reviewed_version": data.version},
        )
    detail = await get_demand(user, demand_id)
    assert detail is not None  # the step keeps it in this user's sight
    return detail
