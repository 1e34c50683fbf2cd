"""The demand loop (诉求): what a demand looks like to those who follow it, and the steps taken."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec

from sync import protocol

#: The steps people take on a demand once the visit has brought it in (see service.STEPS).
Action = Literal[
    "assign",
    "acknowledge",
    "progress",
    "reply",
    "send_back",
    "request_extension",
    "approve_extension",
    "refuse_extension",
    "revisit",
    "close_out",
    "redo",
    "escalate",
]
#: Lists of demands: waiting to be assigned, with a handler, replied (to revisit), revisited (to
#: close out), overdue, finished (closed or resolved on site), everything still open, everything;
#: sent back by the handler unit (to assign again), with an extension request to decide.
View = Literal[
    "to_assign",
    "in_hand",
    "replied",
    "revisited",
    "overdue",
    "finished",
    "open",
    "all",
    "sent_back",
    "extension_requested",
]


class DemandActionIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    action: Action
    #: The version the person read; a newer one means someone acted meanwhile.
    version: Annotated[int, msgspec.Meta(ge=1)]
    note: Annotated[str, msgspec.Meta(max_length=1000)] = ""
    #: assign: the unit that must act, and by when (by default seven working days from today).
    handler_unit_id: UUID | None = None
    #: assign, redo: the due date; request_extension: the new date asked for.
    due_date: dt.date | None = None
    #: revisit: what the talent said of the outcome.
    satisfaction: protocol.Satisfaction | None = None


class DemandEventOut(msgspec.Struct, kw_only=True):
    id: UUID
    #: received, resolved_on_site, or one of the actions.
    kind: str
    actor_name: str
    note: str
    data: dict[str, Any]
    created_at: dt.datetime


class DemandOut(msgspec.Struct, kw_only=True):
    id: UUID
    version: int
    status: str
    category: str
    ask_key: str
    description: str
    resolved_on_site: bool
    handler_unit_id: UUID | None
    handler_unit_name: str | None
    due_date: dt.date | None
    assigned_at: dt.datetime | None
    #: 签收: when the handler unit acknowledged this round's assignment.
    acknowledged_at: dt.datetime | None
    #: A 延期申请 waiting for a reviewer: the date asked for and why.
    extension_due_date: dt.date | None
    extension_reason: str
    closed_at: dt.datetime | None
    satisfaction: str | None
    #: Open past its due date (Asia/Shanghai), and by how many days.
    overdue: bool
    days_overdue: int
    escalations: int
    visit_id: UUID
    visited_on: dt.date
    talent_name: str | None
    talent_employer: str | None
    target_unit_name: str
    visitor_name: str
    org_unit_name: str
    created_at: dt.datetime


class DemandDetailOut(DemandOut, kw_only=True):
    #: What the talent said under the ask the demand came from.
    ask_text: str
    visitors: list[str]
    events: list[DemandEventOut]
    #: The steps this user may take now.
    actions: list[str]


class HandlerUnitOut(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    kind: str
