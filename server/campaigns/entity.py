"""What pull sends of campaigns and checklist templates: those of the units on the path from
the root to the user's unit. Registered by ``server.domains``."""

from __future__ import annotations

from typing import Any

import msgspec

from server.accounts.schemas import CurrentUser
from server.campaigns.items import live_items
from server.campaigns.tables import Campaign, ChecklistItem, ChecklistTemplate
from server.sync.entities import wire_names
from server.sync.registry import PullSource, register_source
from sync import protocol


async def _campaigns(rows: list[dict[str, Any]]) -> list[protocol.CampaignRecord]:
    names = wire_names(Campaign)
    return [
        msgspec.convert(
            {names.get(k, k): live_items(v) if k.endswith("_items") else v for k, v in r.items()},
            protocol.CampaignRecord,
        )
        for r in rows
    ]


async def _templates(rows: list[dict[str, Any]]) -> list[protocol.ChecklistTemplateRecord]:
    items: dict[Any, list[dict[str, Any]]] = {}
    if rows:
        for item in await (
            ChecklistItem.select()
            .where(ChecklistItem.template.is_in([r["id"] for r in rows]))
            .order_by(ChecklistItem.position)
        ):
            items.setdefault(item["template"], []).append(item)
    return [
        msgspec.convert(
            {**r, "org_unit_id": r["org_unit"], "items": items.get(r["id"], [])},
            protocol.ChecklistTemplateRecord,
        )
        for r in rows
    ]


def _visible(table: Any) -> Any:
    # Campaigns and templates apply to the units below the one that owns them.
    def visible(user: CurrentUser) -> Any:
        return table.org_unit.is_in(user.ancestor_ids())

    return visible


register_source(PullSource("campaign", Campaign, _visible(Campaign), _campaigns))
register_source(
    PullSource("checklist_template", ChecklistTemplate, _visible(ChecklistTemplate), _templates)
)
