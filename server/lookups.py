"""Reference data a batch of record mutations is checked against, loaded once per batch.

Visits and inspections share it (their specs' ``prefetch`` loads it, their ``check`` reads it).

Campaigns, checklist templates and their items, rosters (talents, service centres) and org
units, each with what the permission rules need (the owning unit's path). Scope follows
``server.accounts.scope``: a roster row is usable when its unit lies in the user's subtree; a
campaign or template when it is owned by a unit on the path from the root to the user's unit.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from server.accounts.schemas import CurrentUser
from server.accounts.tables import OrgUnit
from server.campaigns.tables import Campaign, ChecklistItem, ChecklistTemplate
from server.db import SHANGHAI, json_load
from server.rosters.tables import ServiceCenter, Talent
from server.sync.rows import Rejection, validation
from server.sync.unit import UnitOfWork


class Lookups:
    """Reference rows by id, for one user's batch."""

    @classmethod
    def of(cls, uow: UnitOfWork) -> Lookups:
        """The batch's lookups (made on first use)."""
        found = uow.state.get(cls)
        if found is None:
            found = uow.state[cls] = cls(uow.actor, uow.now)
        return found

    def __init__(self, user: CurrentUser, now: dt.datetime) -> None:
        self.user = user
        self.today = now.astimezone(SHANGHAI).date()
        # A day of slack: a device east of the server's idea of "today" near midnight.
        self._latest_day = self.today + dt.timedelta(days=1)
        self._ancestors = set(user.ancestor_ids())
        self.campaigns: dict[uuid.UUID, dict[str, Any]] = {}
        self.templates: dict[uuid.UUID, dict[str, Any]] = {}
        self.items: dict[uuid.UUID, dict[str, Any]] = {}
        self.talents: dict[uuid.UUID, dict[str, Any]] = {}
        self.centres: dict[uuid.UUID, dict[str, Any]] = {}
        self.units: dict[uuid.UUID, dict[str, Any]] = {}

    async def load(
        self,
        *,
        campaigns: Iterable[uuid.UUID] = (),
        templates: Iterable[uuid.UUID] = (),
        talents: Iterable[uuid.UUID] = (),
        centres: Iterable[uuid.UUID] = (),
        units: Iterable[uuid.UUID] = (),
    ) -> None:
        """Load the rows named (those already loaded are skipped)."""
        if ids := _missing(campaigns, self.campaigns):
            for row in await Campaign.select().where(Campaign.id.is_in(ids)):
                row["send_keys"] = {i["key"] for i in json_load(row["send_items"]) or []}
                row["ask_keys"] = {i["key"] for i in json_load(row["ask_items"]) or []}
                self.campaigns[row["id"]] = row
        if ids := _missing(templates, self.templates):
            for row in await ChecklistTemplate.select().where(ChecklistTemplate.id.is_in(ids)):
                self.templates[row["id"]] = row
            for item in await ChecklistItem.select().where(ChecklistItem.template.is_in(ids)):
                self.items[item["id"]] = item
        if ids := _missing(talents, self.talents):
            for row in await Talent.select(
                Talent.id,
                Talent.deleted_at,
                Talent.org_unit.path.as_alias("unit_path"),
            ).where(Talent.id.is_in(ids)):
                self.talents[row["id"]] = row
        if ids := _missing(centres, self.centres):
            for row in await ServiceCenter.select(
                ServiceCenter.id,
                ServiceCenter.deleted_at,
                ServiceCenter.org_unit.path.as_alias("unit_path"),
            ).where(ServiceCenter.id.is_in(ids)):
                self.centres[row["id"]] = row
        if ids := _missing(units, self.units):
            for row in await OrgUnit.select(OrgUnit.id, OrgUnit.path).where(OrgUnit.id.is_in(ids)):
                self.units[row["id"]] = row

    # -- checks --------------------------------------------------------------------------------

    def campaign(self, campaign_id: uuid.UUID, *, require_active: bool) -> dict[str, Any]:
        row = self.campaigns.get(campaign_id)
        if row is None or row["org_unit"] not in self._ancestors:
            raise Rejection(
                "sync.not_found", f"campaign {campaign_id} not found", field="campaign_id"
            )
        if require_active and not row["active"]:
            raise validation("the campaign is no longer active", "campaign_id")
        return row

    def template(self, template_id: uuid.UUID, *, require_active: bool) -> dict[str, Any]:
        row = self.templates.get(template_id)
        if row is None or row["org_unit"] not in self._ancestors:
            raise Rejection(
                "sync.not_found", f"checklist template {template_id} not found", field="template_id"
            )
        if require_active and not row["active"]:
            raise validation("the checklist template is no longer active", "template_id")
        return row

    def item(self, template_id: uuid.UUID, item_id: uuid.UUID) -> dict[str, Any]:
        item = self.items.get(item_id)
        if item is None or item["template"] != template_id:
            raise validation(f"checklist item {item_id} is not in the template", "item_id")
        return item

    def talent(self, talent_id: uuid.UUID) -> None:
        row = self.talents.get(talent_id)
        if row is None or row["deleted_at"] is not None:
            raise Rejection("sync.not_found", f"talent {talent_id} not found", field="talent_id")
        if not self.user.covers(row["unit_path"]):
            raise Rejection("sync.forbidden", "the talent is not on your roster", field="talent_id")

    def centre(self, centre_id: uuid.UUID) -> None:
        row = self.centres.get(centre_id)
        if row is None or row["deleted_at"] is not None:
            raise Rejection(
                "sync.not_found", f"service centre {centre_id} not found", field="service_center_id"
            )
        if not self.user.covers(row["unit_path"]):
            raise Rejection(
                "sync.forbidden",
                "the service centre is not in your area",
                field="service_center_id",
            )

    def unit(self, unit_id: uuid.UUID, field_name: str, *, within: str = "/") -> None:
        """A unit that exists and whose path starts with ``within`` (a subtree's path)."""
        row = self.units.get(unit_id)
        if row is None:
            raise Rejection("sync.not_found", f"org unit {unit_id} not found", field=field_name)
        if not row["path"].startswith(within):
            raise Rejection(
                "sync.forbidden", "the unit is outside the county concerned", field=field_name
            )

    def county_of_centre(self, centre_id: uuid.UUID) -> str:
        """The path of the county tree (its root unit) a loaded service centre belongs to."""
        row = self.centres.get(centre_id)
        if row is None:
            return "/"
        return "/" + row["unit_path"].strip("/").split("/")[0] + "/"

    def not_future(self, day: dt.date, field_name: str) -> None:
        if day > self._latest_day:
            raise validation(f"{field_name} is in the future", field_name)


def _missing(ids: Iterable[uuid.UUID], loaded: dict[uuid.UUID, Any]) -> list[uuid.UUID]:
    return [i for i in set(ids) if i is not None and i not in loaded]
