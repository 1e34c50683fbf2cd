"""Grassroots inspections (基层检查) of service centres, their item results and rectifications."""

from piccolo.columns import (
    JSON,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from server.accounts.tables import OrgUnit, User
from server.campaigns.tables import ChecklistItem, ChecklistTemplate
from server.db import Synced
from server.rosters.tables import ServiceCenter
from server.visits.tables import Location, Reviewed


class Inspection(Synced, Location, Reviewed, Table, tablename="inspection"):
    """One inspection of a centre against a checklist template."""

    service_center = ForeignKey(ServiceCenter, on_delete=OnDelete.restrict)
    template = ForeignKey(ChecklistTemplate, on_delete=OnDelete.restrict)
    inspector = ForeignKey(User, on_delete=OnDelete.restrict)
    org_unit = ForeignKey(OrgUnit, on_delete=OnDelete.restrict)
    inspected_on = Date()
    notes = Text(default="")
    total_score = DoublePrecision(default=0)
    photos = JSON(default=[])
    device_created_at = Timestamptz(null=True, default=None)


class InspectionItemResult(Synced, Table, tablename="inspection_item_result"):
    """The finding for one checklist item."""

    inspection = ForeignKey(Inspection, on_delete=OnDelete.restrict)
    item = ForeignKey(ChecklistItem, on_delete=OnDelete.restrict)
    #: One of ``sync.protocol.ITEM_RESULTS``.
    result = Varchar(length=20)
    score = DoublePrecision(default=0)
    note = Text(default="")
    photos = JSON(default=[])


class Rectification(Synced, Table, tablename="rectification"):
    """A shortfall to fix (整改), checked again in a follow-up (回头看)."""

    inspection = ForeignKey(Inspection, on_delete=OnDelete.restrict)
    item = ForeignKey(ChecklistItem, on_delete=OnDelete.restrict, null=True, default=None)
    issue = Text()
    responsible_unit = ForeignKey(OrgUnit, on_delete=OnDelete.restrict, null=True, default=None)
    responsible_unit_name = Varchar(length=100, default="")
    deadline = Date()
    #: One of ``sync.protocol.RECTIFICATION_STATUSES``.
    status = Varchar(length=20, default="pending")
    org_unit = ForeignKey(OrgUnit, on_delete=OnDelete.restrict)
    #: 验收销号: when a checker accepted the fix.
    accepted_at = Timestamptz(null=True, default=None)
    #: 退回重整: how many times a reported fix was sent back (re-opened).
    reopened = Integer(default=0)
