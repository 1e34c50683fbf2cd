"""Read models of inspections, their item results and rectifications."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

import msgspec


class ItemResultOut(msgspec.Struct, kw_only=True):
    id: UUID
    item_id: UUID
    dimension: str
    title: str
    max_score: float
    result: str
    score: float
    note: str
    photos: list[str]
    version: int


class RectificationOut(msgspec.Struct, kw_only=True):
    id: UUID
    item_id: UUID | None
    issue: str
    responsible_unit_id: UUID | None
    responsible_unit_name: str
    deadline: dt.date
    status: str
    version: int


class InspectionOut(msgspec.Struct, kw_only=True):
    id: UUID
    version: int
    service_center_id: UUID
    service_center_name: str
    template_id: UUID
    inspector_id: UUID
    inspector_name: str
    org_unit_id: UUID
    org_unit_name: str
    inspected_on: dt.date
    notes: str
    total_score: float
    latitude: float | None
    longitude: float | None
    accuracy: float | None
    located_at: dt.datetime | None
    photos: list[str]
    missing_photos: list[str]
    status: str
    review_comment: str
    reviewed_at: dt.datetime | None
    submitted_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    item_results: list[ItemResultOut] = []
    rectifications: list[RectificationOut] = []
