"""Talent visits (走访). The demands raised during them live in ``server.demands``."""

from piccolo.columns import (
    JSON,
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


class Location:
    """A GPS point taken on an explicit action by the visitor: WGS-84, with accuracy and time."""

    latitude = DoublePrecision(null=True, default=None)
    longitude = DoublePrecision(null=True, default=None)
    #: Metres, as the device reported it.
    accuracy = DoublePrecision(null=True, default=None)
    located_at = Timestamptz(null=True, default=None)


class Reviewed:
    """Review state: draft → submitted → approved | returned (with a comment the visitor sees)."""

    #: One of ``sync.protocol.RECORD_STATUSES``.
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
    #: One of ``sync.protocol.VISIT_MODES``.
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


__all__ = ["Location", "Reviewed", "Visit"]
