"""Read models of visits and their demands."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

import msgspec


class DemandOut(msgspec.Struct, kw_only=True):
    id: UUID
    ask_key: str
    category: str
    description: str
    resolved_on_site: bool
    status: str
    handler_unit_id: UUID | None
    due_date: dt.date | None
    closed_at: dt.datetime | None
    satisfaction: str | None
    version: int


class VisitOut(msgspec.Struct, kw_only=True):
    id: UUID
    version: int
    campaign_id: UUID
    talent_id: UUID | None
    talent_name: str | None
    target_unit_name: str
    visited_on: dt.date
    mode: str
    visitor_id: UUID
    visitor_name: str
    org_unit_id: UUID
    org_unit_name: str
    visitors: list[str]
    lead_official: str
    place: str
    latitude: float | None
    longitude: float | None
    accuracy: float | None
    located_at: dt.datetime | None
    sends: list[str]
    policies: str
    asks: dict[str, Any]
    notes: str
    photos: list[str]
    missing_photos: list[str]
    status: str
    review_comment: str
    reviewed_at: dt.datetime | None
    submitted_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    demands: list[DemandOut] = []
