"""Read models of campaigns and checklist templates."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

import msgspec


class CampaignItem(msgspec.Struct):
    key: str
    label: str


class CampaignOut(msgspec.Struct, kw_only=True):
    id: UUID
    code: str
    name: str
    send_items: list[CampaignItem]
    ask_items: list[CampaignItem]
    target_kind: str
    starts_on: dt.date
    ends_on: dt.date
    photo_required: bool
    location_required: bool
    album_allowed: bool
    watermark: bool


class ChecklistItemOut(msgspec.Struct, kw_only=True):
    id: UUID
    dimension: str
    title: str
    standard: str
    max_score: float
    method: str
    position: int


class ChecklistTemplateOut(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    description: str
    items: list[ChecklistItemOut]
