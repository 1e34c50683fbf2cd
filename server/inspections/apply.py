"""Applying a device's inspection mutations: item results and rectifications come nested."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from server.inspections.tables import Inspection, InspectionItemResult, Rectification
from server.sync.apply import (
    check_owner,
    delete_record,
    put_children,
    put_record,
    submit_record,
)
from server.sync.entities import INSPECTION, ITEM_RESULT, RECTIFICATION
from server.sync.lookups import Lookups
from server.sync.unit import Row, UnitOfWork, validation
from sync import protocol

Conflicts = list[protocol.FieldConflict]


async def prefetch(uow: UnitOfWork, lookups: Lookups, mutations: Sequence[Any]) -> None:
    ids: set[uuid.UUID] = set()
    templates: set[uuid.UUID] = set()
    centres: set[uuid.UUID] = set()
    units: set[uuid.UUID] = set()
    for m in mutations:
        if isinstance(m, protocol.InspectionPut):
            ids.add(m.inspection.id)
            templates.add(m.inspection.template_id)
            centres.add(m.inspection.service_center_id)
            units.update(
                r.responsible_unit_id for r in m.inspection.rectifications if r.responsible_unit_id
            )
        elif isinstance(m, protocol.InspectionSubmit | protocol.InspectionDelete):
            ids.add(m.id)
    if not ids:
        return
    await uow.load_ids(
        INSPECTION,
        ids,
        unit_path=Inspection.org_unit.path,
    )
    existing = [i for i in ids if i in uow.rows]
    if existing:
        await uow.load(ITEM_RESULT, InspectionItemResult.inspection.is_in(existing))
        await uow.load(RECTIFICATION, Rectification.inspection.is_in(existing))
        templates.update(uow.rows[i].values["template"] for i in existing)
    await lookups.load(templates=templates, centres=centres, units=units)


def _check(lookups: Lookups, inspection: protocol.InspectionIn, row: Row | None) -> None:
    changed_template = row is None or row.values["template"] != inspection.template_id
    lookups.template(inspection.template_id, require_active=changed_template)
    if row is None or row.values["service_center"] != inspection.service_center_id:
        lookups.centre(inspection.service_center_id)
    lookups.not_future(inspection.inspected_on, "inspected_on")
    if (inspection.latitude is None) != (inspection.longitude is None):
        raise validation("latitude and longitude go together", "latitude")
    for result in inspection.item_results:
        item = lookups.item(inspection.template_id, result.item_id)
        if result.score > item["max_score"]:
            raise validation(
                f"score {result.score} is above the item's maximum {item['max_score']}", "score"
            )
    for rect in inspection.rectifications:
        if rect.item_id is not None:
            lookups.item(inspection.template_id, rect.item_id)
        if rect.responsible_unit_id is not None:
            lookups.unit(rect.responsible_unit_id, "responsible_unit_id")


def _total(uow: UnitOfWork, row: Row) -> float:
    return float(sum(r.values["score"] for r in uow.children(ITEM_RESULT, row.id) if not r.deleted))


async def put(
    uow: UnitOfWork, lookups: Lookups, m: protocol.InspectionPut
) -> tuple[Row, Conflicts]:
    inspection = m.inspection
    row, conflicts = await put_record(
        uow,
        INSPECTION,
        inspection,
        m.base_version,
        "inspector",
        lambda r: _check(lookups, inspection, r),
    )
    # One result per checklist item: a second row for an item already answered is an error.
    answered = {r.values["item"]: r.id for r in uow.children(ITEM_RESULT, row.id) if not r.deleted}
    for result in inspection.item_results:
        if result.deleted:
            continue
        if answered.setdefault(result.item_id, result.id) != result.id:
            raise validation(f"checklist item {result.item_id} already has a result", "item_id")
    conflicts += await put_children(
        uow, ITEM_RESULT, row, inspection.item_results, new_values=lambda _: {}
    )
    conflicts += await put_children(
        uow,
        RECTIFICATION,
        row,
        inspection.rectifications,
        new_values=lambda _: {"org_unit": row.values["org_unit"]},
    )
    uow.set(row, "total_score", _total(uow, row))
    return row, conflicts


async def submit(uow: UnitOfWork, lookups: Lookups, m: protocol.InspectionSubmit) -> Row:
    row = check_owner(uow.actor, uow.get(INSPECTION, m.id), INSPECTION, "inspector")
    submit_record(uow, row)
    return row


async def delete(
    uow: UnitOfWork, lookups: Lookups, m: protocol.InspectionDelete
) -> tuple[Row, Conflicts]:
    row = check_owner(
        uow.actor, uow.get(INSPECTION, m.id), INSPECTION, "inspector", deleted_ok=True
    )
    return row, await delete_record(uow, row, (ITEM_RESULT, RECTIFICATION), m.base_version)
