"""Talent visits (走访) and the demands (诉求) raised during them."""

from piccolo.columns import (
    JSON,
    UUID,
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from server.accounts.tables import OrgUnit, User
from server.campaigns.tables import Campaign
from server.db import Synced
from server.rosters.tables import Talent

VISIT_MODES = ("in_person", "symposium", "phone", "video")
RECORD_STATUSES = ("draft", "submitted", "approved", "returned")
DEMAND_STATUSES = (
    "received",
    "resolved_on_site",
    "assigned",
    "in_progress",
    "replied",
    "revisited",
    "closed",
)
DEMAND_CATEGORIES = (
    "policy_delivery",
    "housing",
    "school_enrolment",
    "medical",
    "household_registration",
    "spouse_employment",
    "project_application",
    "funding",
    "recruitment",
    "intellectual_property",
    "title_evaluation",
    "other",
)


class Location:
    """A GPS point taken on an explicit action by the visitor: WGS-84, with accuracy and time."""

    latitude = DoublePrecision(null=True, default=None)
    longitude = DoublePrecision(null=True, default=None)
    #: Metres, as the device reported it.
    accuracy = DoublePrecision(null=True, default=None)
    located_at = Timestamptz(null=True, default=None)


class Reviewed:
    """Review state: draft → submitted → approved | returned (with a comment the visitor sees)."""

    status = Varchar(length=20, default="draft", index=True)
    review_comment = Text(default="")
    reviewed_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    reviewed_at = Timestamptz(null=True, default=None)
    submitted_at = Timestamptz(null=True, default=None)


class Visit(Synced, Location, Reviewed, Table, tablename="visit"):
    """One talent visit under a campaign."""

    campaign = ForeignKey(Campaign, on_delete=OnDelete.restrict)
    #: The talent visited; null when the target is a unit (三联三促).
    talent = ForeignKey(Talent, on_delete=OnDelete.restrict, null=True, default=None)
    target_unit_name = Varchar(length=200, default="")
    visited_on = Date()
    #: One of VISIT_MODES.
    mode = Varchar(length=20)
    #: The user who recorded it (the owner).
    visitor = ForeignKey(User, on_delete=OnDelete.restrict)
    #: The owner's unit when recorded; supervisors see their subtree by it.
    org_unit = ForeignKey(OrgUnit, on_delete=OnDelete.restrict)
    #: Names of everyone on the visit.
    visitors = JSON(default=[])
    lead_official = Varchar(length=50, default="")
    place = Varchar(length=200, default="")
    #: Keys of the campaign's send items delivered.
    sends = JSON(default=[])
    #: Policies presented, free text.
    policies = Text(default="")
    #: Ask key → what was said.
    asks = JSON(default={})
    notes = Text(default="")
    #: SHA-256 of the photos the record expects (they may arrive later).
    photos = JSON(default=[])
    #: The phone's clock when recorded; shown, never ordered by.
    device_created_at = Timestamptz(null=True, default=None)


class Demand(Synced, Table, tablename="demand"):
    """A need raised during a visit, followed until closed out."""

    visit = ForeignKey(Visit, on_delete=OnDelete.restrict)
    #: needs, difficulties, suggestions... (the campaign's ask item it came from).
    ask_key = Varchar(length=30, default="needs")
    #: One of DEMAND_CATEGORIES.
    category = Varchar(length=40)
    description = Text()
    resolved_on_site = Boolean(default=False)
    #: One of DEMAND_STATUSES.
    status = Varchar(length=20, default="received", index=True)
    handler_unit = ForeignKey(OrgUnit, on_delete=OnDelete.restrict, null=True, default=None)
    due_date = Date(null=True, default=None)
    assigned_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    #: satisfied, basically_satisfied, unsatisfied.
    satisfaction = Varchar(length=30, null=True, default=None)
    escalations = JSON(default=[])
    org_unit = ForeignKey(OrgUnit, on_delete=OnDelete.restrict)


class DemandEvent(Table, tablename="demand_event"):
    """One step of a demand's loop, with actor, time and note."""

    id = UUID(primary_key=True)
    demand = ForeignKey(Demand, on_delete=OnDelete.restrict)
    #: received, resolved_on_site, assign, progress, reply, revisit, close_out, escalate.
    kind = Varchar(length=30)
    actor = ForeignKey(User, on_delete=OnDelete.restrict)
    note = Text(default="")
    data = JSON(default={})
    created_at = Timestamptz()


__all__ = [
    "DEMAND_CATEGORIES",
    "DEMAND_STATUSES",
    "RECORD_STATUSES",
    "VISIT_MODES",
    "Demand",
    "DemandEvent",
    "Visit",
]
