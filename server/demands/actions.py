"""Taking a step on a demand (see ``server.demands.steps``): checked, then written at once.

Each step is one server write (``server.sync.write``: versioned, with a change number, so the
visitor's phone pulls the new status), one demand event (actor, time, note) and one audit
entry, or nothing at all. A step names the version its author read: one taken on a demand
someone else has moved meanwhile is refused, never applied to a state its author did not see.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from server.accounts.schemas import CurrentUser
from server.calendar.service import add_working_days
from server.db import county_today
from server.demands.entity import DEMAND, event
from server.demands.schemas import DemandActionIn, DemandDetailOut
from server.demands.service import get_demand, handler_units, read
from server.demands.steps import STEP_LABELS, STEPS, allowed_actions, in_turn, may
from server.demands.tables import Demand
from server.errors import ApiError, forbidden, not_found
from server.reports.labels import DEMAND_STATUS, label
from server.sync.write import server_write

STREAM = "server:demand"
#: How far ahead a due date may be set.
MAX_DUE_DAYS = 366
#: The usual time a handler unit has: seven working days (when the reviewer names no date).
DEFAULT_WORKING_DAYS = 7
#: What each step records in its event, when set.
_EVENT_FIELDS = ("handler_unit", "due_date", "satisfaction", "requested_due_date", "previous_due")


def _out_of_turn(user: CurrentUser, r: dict[str, Any], action: str) -> ApiError:
    status = label(DEMAND_STATUS, r["status"])
    step = STEP_LABELS[action]
    if r["status"] in STEPS[action].after:
        if action == "request_extension":
            message = "这条诉求已有一项延期申请在等待审批，不能再次申请"
        elif action == "redo":
            message = "只有回访不满意的诉求才能重办"
        else:
            message = "这条诉求没有待审批的延期申请"
    else:
        message = f"这条诉求当前为“{status}”，不能进行“{step}”"
    return ApiError(
        409,
        "demand.invalid_step",
        message,
        {"status": r["status"], "allowed": allowed_actions(user, r)},
    )


def _valid_due(due: dt.date, day: dt.date) -> None:
    if not day <= due <= day + dt.timedelta(days=MAX_DUE_DAYS):
        raise ApiError(
            400,
            "demand.due_date_invalid",
            f"办理时限应在今天至 {MAX_DUE_DAYS} 天之内",
            {"today": day.isoformat()},
        )


async def _checked(user: CurrentUser, r: dict[str, Any], data: DemandActionIn) -> dict[str, Any]:
    """The columns the step sets, once it is allowed and its input is valid (else ApiError)."""
    step = STEPS[data.action]
    if not in_turn(step, r):
        raise _out_of_turn(user, r, data.action)
    if not may(user, step.who, r):
        raise forbidden(f"you may not take the step {data.action} on this demand")
    if step.needs_note and not data.note.strip():
        raise ApiError(
            400, "demand.note_required", f"“{STEP_LABELS[data.action]}”需要填写说明或理由"
        )
    day = county_today()
    if data.action == "assign":
        return await _assignment(user, data, day)
    if data.action == "revisit":
        if data.satisfaction is None:
            raise ApiError(400, "demand.satisfaction_required", "请选择满意度")
        return {"satisfaction": data.satisfaction}
    if data.action == "request_extension":
        return _extension(r, data, day)
    if data.action == "redo":
        due = data.due_date or await add_working_days(day, DEFAULT_WORKING_DAYS)
        _valid_due(due, day)
        return {"due_date": due}
    return {}


async def _assignment(user: CurrentUser, data: DemandActionIn, day: dt.date) -> dict[str, Any]:
    if data.handler_unit_id is None:
        raise ApiError(400, "demand.assignment_incomplete", "请选择承办单位和办理时限")
    due = data.due_date or await add_working_days(day, DEFAULT_WORKING_DAYS)
    _valid_due(due, day)
    units = {u.id for u in await handler_units(user)}
    if data.handler_unit_id not in units:
        raise ApiError(
            400,
            "demand.handler_unit_invalid",
            "诉求只能交办给你辖区内的部门、镇或街道",
        )
    return {"handler_unit": data.handler_unit_id, "due_date": due}


def _extension(r: dict[str, Any], data: DemandActionIn, day: dt.date) -> dict[str, Any]:
    due = r["due_date"]
    if due is not None and day > due:
        raise ApiError(
            409,
            "demand.extension_too_late",
            "办理时限已过，不能再申请延期",
            {"due_date": due.isoformat()},
        )
    wanted = data.due_date
    if wanted is None or (due is not None and wanted <= due):
        raise ApiError(400, "demand.extension_date_invalid", "请填写晚于当前办理时限的新日期")
    _valid_due(wanted, day)
    return {"extension_due_date": wanted, "extension_reason": data.note.strip()}


def _effects(
    action: str, row_values: dict[str, Any], now: dt.datetime, note: str, user: CurrentUser
) -> dict[str, Any]:
    """Further columns a step sets, from the row as it stands."""
    pending = {"extension_due_date": None, "extension_reason": ""}
    if action in ("assign", "redo"):
        # A new round: acknowledged anew, its outcome not yet known, no old request pending.
        return {**pending, "assigned_at": now, "satisfaction": None, "acknowledged_at": None}
    if action == "acknowledge":
        return {"acknowledged_at": now}
    if action in ("reply", "send_back", "refuse_extension"):
        return pending
    if action == "approve_extension":
        return {**pending, "due_date": row_values["extension_due_date"]}
    if action == "close_out":
        return {"closed_at": now}
    if action == "escalate":
        return {
            "escalations": [
                *(row_values["escalations"] or []),
                {"at": now.isoformat(), "by": str(user.id), "note": note},
            ]
        }
    return {}


async def act(
    demand_id: uuid.UUID, data: DemandActionIn, user: CurrentUser, ip: str
) -> DemandDetailOut:
    """Take one step on a demand (see ``server.demands.steps.STEPS``)."""
    async with server_write(user, STREAM, ip=ip) as write:
        now, unit = write.now, write.uow
        r = await read(user, demand_id)
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
                "这条诉求在你打开后已有变动，请刷新后再看",
                {"current_version": row.version},
            )
        step = STEPS[data.action]
        note = data.note.strip()
        unit.begin(None)
        if step.leads_to is not None:
            values["status"] = step.leads_to
        values.update(_effects(data.action, row.values, now, note, user))
        details = {
            k: str(v)
            for k, v in {
                **values,
                "previous_due": r["due_date"] if "due_date" in values else None,
                "requested_due_date": r["extension_due_date"]
                if data.action.endswith("_extension")
                else values.get("extension_due_date"),
            }.items()
            if k in _EVENT_FIELDS and v is not None
        }
        for column, value in values.items():
            unit.set(row, column, value)
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
