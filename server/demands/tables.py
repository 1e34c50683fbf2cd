"""Demands (诉求) raised during visits, and the steps of each one's loop."""

from piccolo.columns import (
    JSON,
    UUID,
    Boolean,
    Date,
    ForeignKey,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from server.accounts.tables import OrgUnit, User
from server.db import Synced
from server.visits.tables import Visit


class Demand(Synced, Table, tablename="demand"):
    """A need raised during a visit, followed until closed out."""

    visit = ForeignKey(Visit, on_delete=OnDelete.restrict)
    #: needs, difficulties, suggestions... (the campaign's ask item it came from).
    ask_key = Varchar(length=30, default="needs")
    #: One of ``sync.protocol.DEMAND_CATEGORIES``.
    category = Varchar(length=40)
    description = Text()
    resolved_on_site = Boolean(default=False)
    #: One of ``sync.protocol.DEMAND_STATUSES``.
    status = Varchar(length=20, default="received", index=True)
    handler_unit = ForeignKey(OrgUnit, on_delete=OnDelete.restrict, null=True, default=None)
    due_date = Date(null=True, default=None)
    assigned_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    #: One of ``sync.protocol.SATISFACTIONS``.
    satisfaction = Varchar(length=30, null=True, default=None)
    escalations = JSON(default=[])
    org_unit = ForeignKey(OrgUnit, on_delete=OnDelete.restrict)
    #: 签收: when the handler unit acknowledged the assignment (the clock counts from here).
    acknowledged_at = Timestamptz(null=True, default=None)
    #: 延期申请 pending a reviewer's decision: the date asked for and why (null: none pending).
    extension_due_date = Date(null=True, default=None)
    extension_reason = Text(default="")


class DemandEvent(Table, tablename="demand_event"):
    """One step of a demand's loop, with actor, time and note."""

    id = UUID(primary_key=True)
    demand = ForeignKey(Demand, on_delete=OnDelete.restrict)
    #: received, resolved_on_site, or one of ``server.demands.steps.STEPS``.
    kind = Varchar(length=30)
    actor = ForeignKey(User, on_delete=OnDelete.restrict)
    note = Text(default="")
    data = JSON(default={})
    created_at = Timestamptz()


class DemandReminder(Table, tablename="demand_reminder"):
    """An automatic 催办 (``urge``) or 督办 (``escalate``) sent by the reminders job.

    ``key`` (demand, kind, due date) is unique: each is sent once per due date, however many
    server processes run the job and however often it runs.
    """

    key = Varchar(length=80, unique=True)
    demand = ForeignKey(Demand, on_delete=OnDelete.restrict, index=True)
    #: urge (before the due date) or escalate (once overdue, to the reviewers of the demand's unit).
    kind = Varchar(length=20)
    due_date = Date()
    created_at = Timestamptz()
