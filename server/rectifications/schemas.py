"""Rectifications (整改) as those who fix and check them read them, and the steps they take."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from sync import protocol

Action = Literal["start", "report", "accept", "send_back"]
#: Lists: to fix (pending, in progress or sent back), to check (reported), overdue, accepted,
#: everything still open, everything.
View = Literal["to_fix", "to_check", "overdue", "accepted", "open", "all"]


class RectificationActionIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    action: Action
    #: The version the person read; a newer one means someone acted meanwhile.
    version: Annotated[int, msgspec.Meta(ge=1)]
    note: Annotated[str, msgspec.Meta(max_length=1000)] = ""
    #: report: photos of the fix, uploaded first through ``PUT /api/media/{sha256}``.
    photos: protocol.Photos = []


class RectificationEventOut(msgspec.Struct, kw_only=True):
    id: UUID
    kind: str
    actor_name: str
    note: str
    photos: list[str]
    created_at: dt.datetime


class RectificationOut(msgspec.Struct, kw_only=True):
    id: UUID
    version: int
    status: str
    issue: str
    inspection_id: UUID
    service_center_name: str
    inspected_on: dt.date
    inspector_name: str
    item_id: UUID | None
    responsible_unit_id: UUID | None
    responsible_unit_name: str
    deadline: dt.date
    accepted_at: dt.datetime | None
    #: Times a reported fix was sent back.
    reopened: int
    #: Not accepted by its deadline (Asia/Shanghai), and by how many days.
    overdue: bool
    days_overdue: int


class RectificationDetailOut(RectificationOut, kw_only=True):
    events: list[RectificationEventOut]
    #: The steps this user may take now.
    actions: list[str]
