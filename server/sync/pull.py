"""Pull: the changes after a cursor that a user may see, in pages.

Changes are ordered by (change_seq, entity, id). A page reads only up to the counter's
committed value, read first: every transaction with a lower number has committed by then
(``server.sync.changes``), so nothing below the cursor can appear later and a puller never
skips a change, however writers interleave. A row rewritten meanwhile moves above the cap and
comes in a later page with its newer content.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from piccolo.columns import Column
from piccolo.table import Table

from server.accounts.schemas import CurrentUser
from server.accounts.scope import record_filter, roster_filter
from server.campaigns.tables import Campaign, ChecklistItem, ChecklistTemplate
from server.db import json_load, utcnow
from server.errors import ApiError
from server.inspections.tables import Inspection, InspectionItemResult, Rectification
from server.records import missing_photos
from server.rosters.tables import ServiceCenter, Talent
from server.security import FieldCipher, mask_phone
from server.settings import get_settings
from server.sync.changes import change_time, committed_change_seq
from server.sync.entities import SPECS
from server.visits.tables import Demand, Visit
from sync import protocol

#: A cursor position past every entity of its change_seq.
_END = len(protocol.ENTITIES)
#: What ``Position.encode`` gives out: a change number that fits in 63 bits (18 digits), then
#: optionally an entity rank and an id.
_CURSOR = re.compile(r"(0|[1-9][0-9]{0,17})(\.[0-9]{1,2}\.[0-9a-f-]{36})?", re.ASCII)


class Position(NamedTuple):
    """Everything up to and including this (change_seq, entity rank, id) has been delivered."""

    seq: int
    rank: int
    id: str

    def encode(self) -> str:
        return str(self.seq) if self.rank == _END else f"{self.seq}.{self.rank}.{self.id}"

    @classmethod
    def decode(cls, cursor: str | None) -> Position | None:
        """The position, or None for a cursor that is not ours."""
        if cursor is None:
            return cls(-1, _END, "")
        if not _CURSOR.fullmatch(cursor):
            return None  # e.g. "-1e26", or a number no database integer holds
        parts = cursor.split(".")
        try:
            if len(parts) == 1:
                return cls(int(parts[0]), _END, "")
            if len(parts) == 3 and 0 <= int(parts[1]) < _END:
                return cls(int(parts[0]), int(parts[1]), str(uuid.UUID(parts[2])))
        except ValueError:
            pass
        return None


@dataclass(frozen=True)
class Source:
    """One entity's rows: the table, who may see which, and how a row becomes a change."""

    entity: str
    table: type[Table]
    #: WHERE clause of the rows the user may see; None: none.
    visible: Callable[[CurrentUser], Any | None]

    @property
    def rank(self) -> int:
        return protocol.ENTITIES.index(self.entity)

    def after(self, pos: Position, upper: int) -> Any:
        """WHERE the row comes after ``pos`` and at most at ``upper``."""
        change_seq: Column = self.table.change_seq  # type: ignore[attr-defined]
        pk = self.table._meta.primary_key
        later: Any
        if self.rank < pos.rank:
            later = change_seq > pos.seq
        elif self.rank == pos.rank:
            later = (change_seq > pos.seq) | ((change_seq == pos.seq) & (pk > uuid.UUID(pos.id)))
        else:
            later = change_seq >= pos.seq
        return later & (change_seq <= upper)


def _applies(table: type[Table]) -> Callable[[CurrentUser], Any]:
    # Campaigns and templates apply to the units below the one that owns them.
    return lambda user: table.org_unit.is_in(user.ancestor_ids())  # type: ignore[attr-defined]


SOURCES = (
    Source("campaign", Campaign, _applies(Campaign)),
    Source("checklist_template", ChecklistTemplate, _applies(ChecklistTemplate)),
    Source("talent", Talent, lambda u: roster_filter(u, Talent.org_unit)),
    Source("service_center", ServiceCenter, lambda u: roster_filter(u, ServiceCenter.org_unit)),
    Source("visit", Visit, lambda u: record_filter(u, Visit.visitor, Visit.org_unit)),
    Source(
        "demand",
        Demand,
        lambda u: record_filter(u, Demand.visit.visitor, Demand.visit.org_unit),  # type: ignore[arg-type]
    ),
    Source(
        "inspection",
        Inspection,
        lambda u: record_filter(u, Inspection.inspector, Inspection.org_unit),
    ),
    Source(
        "inspection_item_result",
        InspectionItemResult,
        lambda u: record_filter(
            u,
            InspectionItemResult.inspection.inspector,
            InspectionItemResult.inspection.org_unit,  # type: ignore[arg-type]
        ),
    ),
    Source(
        "rectification",
        Rectification,
        lambda u: record_filter(
            u,
            Rectification.inspection.inspector,
            Rectification.inspection.org_unit,  # type: ignore[arg-type]
        ),
    ),
)


async def pull(user: CurrentUser, body: bytes) -> protocol.PullResponse:
    try:
        request = protocol.decode_pull(body)
    except protocol.ProtocolError as exc:
        raise ApiError(400, exc.code, exc.message, exc.details) from None
    now = utcnow()
    skew, warn = protocol.clock_skew(request.device_time, now)
    upper = await committed_change_seq()
    pos = Position.decode(request.cursor)
    if pos is None or pos.seq > upper or await _too_old(pos, now):
        return protocol.PullResponse(
            server_time=now,
            clock_skew_seconds=skew,
            clock_skew_warning=warn,
            cursor=None,
            reset_required=True,
        )
    candidates: list[tuple[tuple[int, int, str], Source, dict[str, Any]]] = []
    for source in SOURCES:
        visible = source.visible(user)
        if visible is None:
            continue
        table = source.table
        rows = await (
            table.select(*table._meta.columns)
            .where(visible & source.after(pos, upper))
            .order_by(table.change_seq)  # type: ignore[attr-defined]
            .order_by(table._meta.primary_key)
            .limit(request.limit + 1)
        )
        candidates += [((r["change_seq"], source.rank, str(r["id"])), source, r) for r in rows]
    candidates.sort(key=lambda c: c[0])
    page = candidates[: request.limit]
    has_more = len(candidates) > request.limit
    cursor = Position(*page[-1][0]).encode() if has_more else Position(upper, _END, "").encode()
    return protocol.PullResponse(
        server_time=now,
        clock_skew_seconds=skew,
        clock_skew_warning=warn,
        cursor=cursor,
        has_more=has_more,
        changes=await _changes([(s, r) for _, s, r in page]),
    )


async def _too_old(pos: Position, now: dt.datetime) -> bool:
    """Deletions older than the horizon may be gone: such a cursor needs a full resync."""
    if pos.seq <= 0:
        return False
    written = await change_time(pos.seq)
    horizon = dt.timedelta(days=get_settings().sync_tombstone_days)
    return written is None or written < now - horizon


async def _changes(page: list[tuple[Source, dict[str, Any]]]) -> list[protocol.Change]:
    """Rows to upserts and tombstones."""
    synced = [(s, SPECS[s.entity].from_db(r)) for s, r in page if s.entity in SPECS]
    photo_owners = [v for s, v in synced if SPECS[s.entity].has_photos]
    missing = dict(
        zip(
            [v["id"] for v in photo_owners],
            await missing_photos([v["photos"] for v in photo_owners]),
            strict=True,
        )
    )
    synced_by_id = {v["id"]: v for _, v in synced}
    template_ids = [r["id"] for s, r in page if s.entity == "checklist_template"]
    items: dict[Any, list[protocol.ChecklistItemRecord]] = {}
    if template_ids:
        for item in await (
            ChecklistItem.select()
            .where(ChecklistItem.template.is_in(template_ids))
            .order_by(ChecklistItem.position)
        ):
            items.setdefault(item["template"], []).append(
                protocol.ChecklistItemRecord(
                    id=item["id"],
                    dimension=item["dimension"],
                    title=item["title"],
                    standard=item["standard"],
                    max_score=item["max_score"],
                    method=item["method"],
                    position=item["position"],
                )
            )
    cipher = FieldCipher(get_settings().secret_key)
    changes: list[protocol.Change] = []
    for source, row in page:
        seq = row["change_seq"]
        gone = row.get("deleted_at") is not None or row.get("active") is False
        if gone:
            changes.append(
                protocol.Tombstone(
                    change_seq=seq, entity=source.entity, id=row["id"], version=row.get("version")
                )
            )
            continue
        record: protocol.Record
        if source.entity in SPECS:
            values = synced_by_id[row["id"]]
            record = SPECS[source.entity].to_record(values, missing.get(row["id"]))
        elif source.entity == "campaign":
            record = protocol.CampaignRecord(
                id=row["id"],
                code=row["code"],
                name=row["name"],
                org_unit_id=row["org_unit"],
                send_items=[protocol.CampaignItem(**i) for i in json_load(row["send_items"]) or []],
                ask_items=[protocol.CampaignItem(**i) for i in json_load(row["ask_items"]) or []],
                target_kind=row["target_kind"],
                starts_on=row["starts_on"],
                ends_on=row["ends_on"],
                photo_required=row["photo_required"],
                location_required=row["location_required"],
                album_allowed=row["album_allowed"],
                watermark=row["watermark"],
            )
        elif source.entity == "checklist_template":
            record = protocol.ChecklistTemplateRecord(
                id=row["id"],
                name=row["name"],
                description=row["description"],
                org_unit_id=row["org_unit"],
                items=items.get(row["id"], []),
            )
        elif source.entity == "talent":
            record = protocol.TalentRecord(
                id=row["id"],
                name=row["name"],
                name_initials=row["name_initials"],
                employer=row["employer"],
                org_unit_id=row["org_unit"],
                category=row["category"],
                level=row["level"],
                field=row["field"],
                title=row["title"],
                phone_masked=mask_phone(cipher.decrypt(row["phone_encrypted"])),
                contact_leader=row["contact_leader"],
                liaison_staff=row["liaison_staff"],
                roster_year=row["roster_year"],
            )
        else:
            record = protocol.ServiceCenterRecord(
                id=row["id"],
                name=row["name"],
                name_initials=row["name_initials"],
                org_unit_id=row["org_unit"],
                address=row["address"],
                latitude=row["latitude"],
                longitude=row["longitude"],
            )
        changes.append(protocol.Upsert(change_seq=seq, record=record))
    return changes
