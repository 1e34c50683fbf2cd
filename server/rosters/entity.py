"""What pull sends of the rosters (talents, service centres): the rows ``server.rosters.scope``
lets the user read, phone numbers masked. Registered by ``server.domains``."""

from __future__ import annotations

from typing import Any

import msgspec

from server.rosters.scope import visible_centres, visible_talents
from server.rosters.tables import ServiceCenter, Talent
from server.security import shown_phone
from server.settings import get_settings
from server.sync.registry import PullSource, register_source
from sync import protocol


def roster_wire(row: dict[str, Any]) -> dict[str, Any]:
    """A roster row under its API names: the owning unit as ``org_unit_id``, a talent's phone
    decrypted and masked (the full number never leaves the server in a list or a sync)."""
    wire = {**row, "org_unit_id": row["org_unit"]}
    if "phone_encrypted" in row:
        wire["phone_masked"] = shown_phone(row["phone_encrypted"], get_settings().secret_key)
    return wire


async def _talents(rows: list[dict[str, Any]]) -> list[protocol.TalentRecord]:
    return [msgspec.convert(roster_wire(r), protocol.TalentRecord) for r in rows]


async def _centres(rows: list[dict[str, Any]]) -> list[protocol.ServiceCenterRecord]:
    return [msgspec.convert(roster_wire(r), protocol.ServiceCenterRecord) for r in rows]


register_source(PullSource("talent", Talent, visible_talents, _talents, moves=True))
register_source(PullSource("service_center", ServiceCenter, visible_centres, _centres, moves=True))
