"""Rectifications (整改) for those who fix and check them: lists, one with its steps, and steps.

Each step is one server write (``server.sync.write``): the rectification row's status and
version change with a change number, so the inspector's and reviewers' phones pull it with the
inspection; one event (actor, time, note, photos, with the photos linked so that those who may
see the rectification may see them); one audit entry. Or nothing, when anything is refused.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from server.accounts.schemas import CurrentUser
from server.accounts.scope import SUBTREE_ROLES
from server.db import county_today, json_load, new_id
from server.errors import ApiError, forbidden, not_found
from server.inspections.entity import RECTIFICATION
from server.inspections.tables import Rectification
from server.media.links import Listing, replace_links
from server.rectifications.schemas import (
    RectificationActionIn,
    RectificationDetailOut,
    RectificationEventOut,
    RectificationOut,
    View,
)
from server.rectifications.steps import STEP_LABELS, STEPS, allowed_actions, may
from server.rectifications.tables import RectificationEvent
from server.reports.labels import RECTIFICATION_STATUS, label
from server.sync.write import server_write

STREAM = "server:rectification"
OPEN = ("pending", "in_progress", "reported", "returned")

_COLUMNS = (
    *Rectification.all_columns(exclude=[Rectification.change_seq, Rectification.deleted_at]),
    Rectification.org_unit.path.as_alias("unit_path"),
    Rectification.responsible_unit.path.as_alias("responsible_path"),
    Rectification.responsible_unit.name.as_alias("responsible_unit_label"),
    Rectification.inspection.inspector.as_alias("inspector_id"),
    Rectification.inspection.inspector.display_name.as_alias("inspector_name"),  # type: ignore[union-attr]
    Rectification.inspection.service_center.name.as_alias("service_center_name"),  # type: ignore[union-attr]
    Rectification.inspection.inspected_on.as_alias("inspected_on"),
)


def _where(user: CurrentUser) -> Any:
    """Live rectifications of inspections sent in that this user may read: a reviewer's area,
    an inspector's own findings, and those a unit in the user's subtree must fix."""
    mine = Rectification.responsible_unit.path.like(f"{user.org_unit_path}%")
    if user.role in SUBTREE_ROLES:
        scope = Rectification.org_unit.path.like(f"{user.org_unit_path}%")
    elif user.role == "field_staff":
        scope = (Rectification.inspection.inspector == user.id) | mine
    else:
        scope = mine
    return (
        scope
        & Rectification.deleted_at.is_null()
        & Rectification.inspection.deleted_at.is_null()
        & (Rectification.inspection.status != "draft")
    )


def _view(view: View, day: dt.date) -> Any | None:
    if view == "to_fix":
        return Rectification.status.is_in(["pending", "in_progress", "returned"])
    if view == "to_check":
        return Rectification.status == "reported"
    if view == "overdue":
        return Rectification.status.is_in(list(OPEN)) & (Rectification.deadline < day)
    if view == "accepted":
        return Rectification.status == "accepted"
    if view == "open":
        return Rectification.status.is_in(list(OPEN))
    return None


def _fields(r: dict[str, Any], day: dt.date) -> dict[str, Any]:
    late = r["status"] in OPEN and r["deadline"] < day
    return {
        "id": r["id"],
        "version": r["version"],
        "status": r["status"],
        "issue": r["issue"],
        "inspection_id": r["inspection"],
        "service_center_name": r["service_center_name"] or "",
        "inspected_on": r["inspected_on"],
        "inspector_name": r["inspector_name"] or "",
        "item_id": r["item"],
        "responsible_unit_id": r["responsible_unit"],
        "responsible_unit_name": r["responsible_unit_label"] or r["responsible_unit_name"],
        "deadline": r["deadline"],
        "accepted_at": r["accepted_at"],
        "reopened": r["reopened"],
        "overdue": late,
        "days_overdue": (day - r["deadline"]).days if late else 0,
    }


async def list_rectifications(
    user: CurrentUser, view: View, limit: int, offset: int
) -> tuple[int, list[RectificationOut]]:
    """One page of the rectifications this user follows, the nearest deadline first."""
    day = county_today()
    where = _where(user)
    if (narrow := _view(view, day)) is not None:
        where &= narrow
    total = await Rectification.count().where(where)
    rows = await (
        Rectification.select(*_COLUMNS)
        .where(where)
        .order_by(Rectification.deadline)
        .order_by(Rectification.id)
        .limit(limit)
        .offset(offset)
    )
    return total, [RectificationOut(**_fields(r, day)) for r in rows]


async def _read(user: CurrentUser, rectification_id: uuid.UUID) -> dict[str, Any] | None:
    return await (
        Rectification.select(*_COLUMNS)
        .where(_where(user) & (Rectification.id == rectification_id))
        .first()
    )


async def get_rectification(
    user: CurrentUser, rectification_id: uuid.UUID
) -> RectificationDetailOut | None:
    """One rectification with its steps so far and the steps open to this user."""
    r = await _read(user, rectification_id)
    if r is None:
        return None
    events = await (
        RectificationEvent.select(
            *RectificationEvent.all_columns(),
            RectificationEvent.actor.display_name.as_alias("actor_name"),
        )
        .where(RectificationEvent.rectification == rectification_id)
        .order_by(RectificationEvent.created_at)
        .order_by(RectificationEvent.id)
    )
    return RectificationDetailOut(
        **_fields(r, county_today()),
        events=[
            RectificationEventOut(
                id=e["id"],
                kind=e["kind"],
                actor_name=e["actor_name"] or "",
                note=e["note"],
                photos=json_load(e["photos"]) or [],
                created_at=e["created_at"],
            )
            for e in events
        ],
        actions=allowed_actions(user, r),
    )


def _check(user: CurrentUser, r: dict[str, Any], data: RectificationActionIn) -> None:
    step = STEPS[data.action]
    if r["status"] not in step.after:
        raise ApiError(
            409,
            "rectification.invalid_step",
            f"这条整改当前为“{label(RECTIFICATION_STATUS, r['status'])}”，"
            f"不能进行“{STEP_LABELS[data.action]}”",
            {"status": r["status"], "allowed": allowed_actions(user, r)},
        )
    if not may(user, step.who, r):
        raise forbidden(f"you may not take the step {data.action} on this rectification")
    if step.needs_note and not data.note.strip():
        raise ApiError(
            400, "rectification.note_required", f"“{STEP_LABELS[data.action]}”需要填写说明或理由"
        )
    if data.photos and data.action != "report":
        raise ApiError(400, "rectification.photos_not_expected", "只有报送整改时可以附照片")


async def act(
    rectification_id: uuid.UUID, data: RectificationActionIn, user: CurrentUser, ip: str
) -> RectificationDetailOut:
    """Take one step on a rectification (see ``server.rectifications.steps``)."""
    async with server_write(user, STREAM, ip=ip) as write:
        unit = write.uow
        r = await _read(user, rectification_id)
        if r is None:
            raise not_found("rectification")
        _check(user, r, data)
        row = (await unit.load(RECTIFICATION, Rectification.id == rectification_id))[0]
        if row.version != data.version or row.values["status"] != r["status"]:
            raise ApiError(
                409,
                "rectification.stale_version",
                "这条整改在你打开后已有变动，请刷新后再看",
                {"current_version": row.version},
            )
        note = data.note.strip()
        unit.begin(None)
        unit.set(row, "status", STEPS[data.action].leads_to)
        if data.action == "accept":
            unit.set(row, "accepted_at", write.now)
        elif data.action == "send_back":
            unit.set(row, "reopened", row.values["reopened"] + 1)
        event_id = new_id()
        unit.add(
            RectificationEvent,
            id=event_id,
            rectification=rectification_id,
            kind=data.action,
            actor=user.id,
            note=note,
            photos=list(data.photos),
            created_at=write.now,
        )
        unit.commit()
        if data.photos:
            await replace_links(
                [Listing("rectification_event", event_id, data.photos, True)], write.now, user
            )
        await write.audit(
            f"rectification.{data.action}",
            entity="rectification",
            entity_id=rectification_id,
            details={"note": note, "photos": len(data.photos), "reviewed_version": data.version},
        )
    detail = await get_rectification(user, rectification_id)
    assert detail is not None  # a step keeps it in its author's sight
    return detail
