"""What an admin sends to set up a campaign, and reads back."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

import msgspec


class ItemIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A send or ask item: a stable key (records store it) and the label forms show."""

    key: str
    label: str


class CampaignIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A campaign as an admin writes it; items in the order forms show them. An item left out
    of an edit is retired, never deleted. On an edit, ``version`` is the one the admin opened."""

    name: str
    org_unit_id: UUID
    starts_on: dt.date
    ends_on: dt.date
    send_items: list[ItemIn]
    ask_items: list[ItemIn]
    target_kind: str = "talent"
    photo_required: bool = False
    location_required: bool = False
    album_allowed: bool = True
    watermark: bool = False
    version: int = 0


class ItemOut(msgspec.Struct, kw_only=True):
    key: str
    label: str
    retired: bool = False


class CampaignAdminOut(msgspec.Struct, kw_only=True):
    """A campaign for the admin console: every item, retired ones too."""

    id: UUID
    code: str
    name: str
    org_unit_id: UUID
    starts_on: dt.date
    ends_on: dt.date
    send_items: list[ItemOut]
    ask_items: list[ItemOut]
    target_kind: str
    photo_required: bool
    location_required: bool
    album_allowed: bool
    watermark: bool
    active: bool
    version: int


class ChecklistItemIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One line of a template, in the order the form shows them."""

    dimension: str
    title: str
    standard: str = ""
    max_score: float
    method: str = "site_check"


class TemplateIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A checklist template as an admin writes it; ``version`` is the one opened, on an edit."""

    name: str
    description: str = ""
    org_unit_id: UUID
    items: list[ChecklistItemIn]
    version: int = 0


class ChecklistItemAdminOut(msgspec.Struct, kw_only=True):
    id: UUID
    dimension: str
    title: str
    standard: str
    max_score: float
    method: str
    position: int


class TemplateAdminOut(msgspec.Struct, kw_only=True):
    """A template for the admin console; after an edit of a used one, the new version's id."""

    id: UUID
    name: str
    description: str
    org_unit_id: UUID
    active: bool
    version: int
    supersedes: UUID | None
    items: list[ChecklistItemAdminOut]
