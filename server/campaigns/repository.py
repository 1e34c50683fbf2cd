"""Campaigns and checklist templates that apply to a user: those owned by a unit on the path
from the county root down to the user's unit."""

from __future__ import annotations

import uuid

import msgspec

from server.accounts.schemas import CurrentUser
from server.campaigns.items import live_items
from server.campaigns.schemas import CampaignOut, ChecklistItemOut, ChecklistTemplateOut
from server.campaigns.tables import Campaign, ChecklistItem, ChecklistTemplate


async def active_campaigns(user: CurrentUser) -> list[CampaignOut]:
    rows = await (
        Campaign.select()
        .where(Campaign.org_unit.is_in(user.ancestor_ids()) & Campaign.active.eq(True))
        .order_by(Campaign.starts_on, ascending=False)
    )
    return [
        msgspec.convert(
            {
                **row,
                "send_items": live_items(row["send_items"]),
                "ask_items": live_items(row["ask_items"]),
            },
            CampaignOut,
        )
        for row in rows
    ]


async def active_templates(user: CurrentUser) -> list[ChecklistTemplateOut]:
    templates = await ChecklistTemplate.select().where(
        ChecklistTemplate.org_unit.is_in(user.ancestor_ids()) & ChecklistTemplate.active.eq(True)
    )
    if not templates:
        return []
    items: dict[uuid.UUID, list[ChecklistItemOut]] = {}
    for row in await (
        ChecklistItem.select()
        .where(ChecklistItem.template.is_in([t["id"] for t in templates]))
        .order_by(ChecklistItem.position)
    ):
        items.setdefault(row["template"], []).append(msgspec.convert(row, ChecklistItemOut))
    return [
        ChecklistTemplateOut(
            id=t["id"], name=t["name"], description=t["description"], items=items.get(t["id"], [])
        )
        for t in templates
    ]
