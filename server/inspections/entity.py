"""An inspection as the sync engine carries it: its checks against the checklist template and
the centre roster, its item results and rectifications, and its total score. Registered by
``server.domains``."""

from __future__ import annotations

from typing import Any

from server.inspections.tables import Inspection, InspectionItemResult, Rectification
from server.lookups import Lookups
from server.rosters.tables import ServiceCenter
from server.sync.entities import EntitySpec
from server.sync.registry import register_record
from server.sync.rows import Rejection, Row, validation
from server.sync.unit import UnitOfWork
from sync import protocol

ITEM_RESULT = EntitySpec(
    "inspection_item_result",
    InspectionItemResult,
    protocol.ItemResultFields,
    protocol.ItemResultRecord,
    root="inspection",
    parent_column="inspection",
    items_field="item_results",
    free_text=frozenset({"note"}),
)
RECTIFICATION = EntitySpec(
    "rectification",
    Rectification,
    protocol.RectificationFields,
    protocol.RectificationRecord,
    root="inspection",
    parent_column="inspection",
    items_field="rectifications",
    free_text=frozenset({"issue"}),
    new_values=lambda inspection, _: {"org_unit": inspection.values["org_unit"]},
)


async def _prefetch(
    uow: UnitOfWork, inspections: list[protocol.InspectionIn], rows: list[Row]
) -> None:
    await Lookups.of(uow).load(
        templates=[i.template_id for i in inspections] + [r.values["template"] for r in rows],
        centres=[i.service_center_id for i in inspections],
        units=[
            r.responsible_unit_id
            for i in inspections
            for r in i.rectifications
            if r.responsible_unit_id
        ],
    )


def _check(uow: UnitOfWork, inspection: protocol.InspectionIn, row: Row | None) -> None:
    lookups = Lookups.of(uow)
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
    county = lookups.county_of_centre(inspection.service_center_id)
    statuses = {r.id: r.values["status"] for r in uow.children(RECTIFICATION, inspection.id)}
    for rect in inspection.rectifications:
        if rect.item_id is not None:
            lookups.item(inspection.template_id, rect.item_id)
        if rect.responsible_unit_id is not None:
            lookups.unit(rect.responsible_unit_id, "responsible_unit_id", within=county)
        _check_status(rect, statuses.get(rect.id))
    # One result per checklist item: a second row for an item already answered is an error.
    answered = {
        r.values["item"]: r.id for r in uow.children(ITEM_RESULT, inspection.id) if not r.deleted
    }
    for result in inspection.item_results:
        if result.deleted:
            continue
        if answered.setdefault(result.item_id, result.id) != result.id:
            raise validation(f"checklist item {result.item_id} already has a result", "item_id")


def _check_status(rect: protocol.RectificationIn, before: str | None) -> None:
    """The inspector opens a rectification as 待整改 and may follow it up to 已报整改; 已验收销号
    is a reviewer's verdict, never set from a phone."""
    if rect.status == before:
        return
    if before is None and rect.status != "pending":
        raise Rejection("sync.forbidden", "a new rectification starts as pending", field="status")
    if rect.status == "accepted":
        raise Rejection("sync.forbidden", "only a reviewer accepts a rectification", field="status")


def _total(uow: UnitOfWork, row: Row) -> None:
    """The total score: the sum over the live item results."""
    total = sum(r.values["score"] for r in uow.children(ITEM_RESULT, row.id) if not r.deleted)
    uow.set(row, "total_score", float(total))


async def _describe(rows: list[Row]) -> dict[Any, str]:
    """The centre inspected and the day."""
    ids = list({r.values["service_center"] for r in rows})
    names = {}
    if ids:
        found = await ServiceCenter.select(ServiceCenter.id, ServiceCenter.name).where(
            ServiceCenter.id.is_in(ids)
        )
        names = {c["id"]: c["name"] for c in found}
    return {
        r.id: " · ".join(
            str(p) for p in (names.get(r.values["service_center"]), r.values["inspected_on"]) if p
        )
        for r in rows
    }


INSPECTION = register_record(
    EntitySpec(
        "inspection",
        Inspection,
        protocol.InspectionFields,
        protocol.InspectionRecord,
        root="inspection",
        owner_column="inspector",
        children=(ITEM_RESULT, RECTIFICATION),
        free_text=frozenset({"notes"}),
        prefetch=_prefetch,
        check=_check,
        after_put=_total,
        describe=_describe,
    ),
    put=protocol.InspectionPut,
    submit=protocol.InspectionSubmit,
    delete=protocol.InspectionDelete,
)
