"""Read models of the rosters. Phones are masked: the full number never leaves in a list."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

import msgspec


class TalentOut(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    name_initials: str
    employer: str
    org_unit_id: UUID
    org_unit_name: str
    category: str
    level: str
    field: str
    title: str
    phone_masked: str
    contact_leader: str
    liaison_staff: str
    roster_year: int
    last_visited_on: dt.date | None = None


class ServiceCenterOut(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    name_initials: str
    org_unit_id: UUID
    org_unit_name: str
    address: str
    latitude: float | None
    longitude: float | None
    last_inspected_on: dt.date | None = None
