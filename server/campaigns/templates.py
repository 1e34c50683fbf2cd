"""Admin writes to checklist templates, through :class:`server.sync.write.ServerWrite`.

A template no inspection has used yet is edited in place. Once inspections used it, an edit
makes the next version as a new template (new item rows, ``supersedes`` naming the old one)
and retires the old one: those inspections keep pointing at the items they were scored against,
and phones drop the old template and pull the new one."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from server.accounts.schemas import CurrentUser
from server.accounts.tables import OrgUnit
from server.campaigns.admin_schemas import TemplateAdminOut, TemplateIn
from server.campaigns.tables import ChecklistItem, ChecklistTemplate
from server.db import new_id
from server.errors import ApiError, not_found
from server.inspections.tables import Inspection
from server.sync.write import ServerWrite

METHODS = ("site_check", "document_review", "interview", "briefing")


async def _checked(user: CurrentUser, data: TemplateIn) -> None:
    errors: dict[str, str] = {}
    if not 1 <= len(data.name.strip()) <= 100:
        errors["name"] = "请填写模板名称（最多 100 个字）"
    if not data.items:
        errors["items"] = "至少需要一项检查内容"
    for n, item in enumerate(data.items):
        if not 1 <= len(item.dimension.strip()) <= 50:
            errors[f"items.{n}.dimension"] = "请填写维度（最多 50 个字）"
        if not 1 <= len(item.title.strip()) <= 200:
            errors[f"items.{n}.title"] = "请填写检查项目（最多 200 个字）"
        if not 0 < item.max_score <= 1000:
            errors[f"items.{n}.max_score"] = "满分应大于 0 且不超过 1000"
        if item.method not in METHODS:
            errors[f"items.{n}.method"] = "请选择检查方式"
    unit = await OrgUnit.select(OrgUnit.path).where(OrgUnit.id == data.org_unit_id).first()
    if unit is None or not user.covers(unit["path"]):
        errors["org_unit_id"] = "所选单位不存在或不在您的管理范围内"
    if errors:
        raise ApiError(400, "template.invalid", "输入有误，请检查标出的字段", {"fields": errors})


async def _insert(
    write: ServerWrite, data: TemplateIn, version: int, supersedes: uuid.UUID | None
) -> uuid.UUID:
    template_id = new_id()
    await ChecklistTemplate.insert(
        ChecklistTemplate(
            id=template_id,
            name=data.name.strip(),
            description=data.description.strip(),
            org_unit=data.org_unit_id,
            version=version,
            supersedes=supersedes,
            change_seq=write.change_seq,
            created_at=write.now,
            updated_at=write.now,
        )
    )
    await _insert_items(template_id, data)
    return template_id


async def _insert_items(template_id: uuid.UUID, data: TemplateIn) -> None:
    await ChecklistItem.insert(
        *(
            ChecklistItem(
                id=new_id(),
                template=template_id,
                dimension=i.dimension.strip(),
                title=i.title.strip(),
                standard=i.standard.strip(),
                max_score=i.max_score,
                method=i.method,
                position=n + 1,
            )
            for n, i in enumerate(data.items)
        )
    )


def _audited(data: TemplateIn) -> dict[str, Any]:
    return msgspec.to_builtins(data, enc_hook=str)


async def create_template(write: ServerWrite, data: TemplateIn) -> TemplateAdminOut:
    """A new checklist template owned by a unit in the actor's subtree."""
    await _checked(write.actor, data)
    template_id = await _insert(write, data, 1, None)
    await write.audit(
        "checklist_template.create",
        entity="checklist_template",
        entity_id=template_id,
        details={"before": None, "after": _audited(data)},
    )
    return await template_out(write.actor, template_id)


async def _load(user: CurrentUser, template_id: uuid.UUID, version: int) -> dict[str, Any]:
    row = await _row(user, template_id)
    if not row["active"]:
        raise ApiError(409, "template.inactive", "该模板已停用，不能再修改")
    if row["version"] != version:
        raise ApiError(
            409,
            "template.stale_version",
            "该模板已被他人修改，请刷新后重试",
            {"current_version": row["version"]},
        )
    return row


async def update_template(
    write: ServerWrite, template_id: uuid.UUID, data: TemplateIn
) -> TemplateAdminOut:
    """Edit a template at ``data.version``: in place if unused, else as its next version."""
    before = await template_out(write.actor, template_id)
    await _load(write.actor, template_id, data.version)
    await _checked(write.actor, data)
    version = data.version + 1
    stamp: dict[Any, Any] = {"change_seq": write.change_seq, "updated_at": write.now}
    if await Inspection.exists().where(Inspection.template == template_id):
        new = await _insert(write, data, version, template_id)
        await ChecklistTemplate.update({"active": False, **stamp}).where(
            ChecklistTemplate.id == template_id
        )
    else:
        new = template_id
        await ChecklistItem.delete().where(ChecklistItem.template == template_id)
        await _insert_items(template_id, data)
        values: dict[Any, Any] = {
            "name": data.name.strip(),
            "description": data.description.strip(),
            "org_unit": data.org_unit_id,
            "version": version,
        }
        await ChecklistTemplate.update({**values, **stamp}).where(
            ChecklistTemplate.id == template_id
        )
    await write.audit(
        "checklist_template.update",
        entity="checklist_template",
        entity_id=template_id,
        details={
            "before": msgspec.to_builtins(before),
            "after": _audited(data),
            "new_id": str(new),
        },
    )
    return await template_out(write.actor, new)


async def deactivate_template(
    write: ServerWrite, template_id: uuid.UUID, version: int
) -> TemplateAdminOut:
    """Retire a template: phones drop it, its inspections keep it."""
    await _load(write.actor, template_id, version)
    await ChecklistTemplate.update(
        {"active": False, "change_seq": write.change_seq, "updated_at": write.now}
    ).where(ChecklistTemplate.id == template_id)
    await write.audit(
        "checklist_template.deactivate",
        entity="checklist_template",
        entity_id=template_id,
        details={"before": {"active": True}, "after": {"active": False}},
    )
    return await template_out(write.actor, template_id)


async def _row(user: CurrentUser, template_id: uuid.UUID) -> dict[str, Any]:
    row = await (
        ChecklistTemplate.select(
            *ChecklistTemplate.all_columns(),
            ChecklistTemplate.org_unit.path.as_alias("unit_path"),
        )
        .where(ChecklistTemplate.id == template_id)
        .first()
    )
    if row is None or not user.covers(row["unit_path"] or ""):
        raise not_found("checklist_template")
    return row


async def _out(rows: list[dict[str, Any]]) -> list[TemplateAdminOut]:
    items: dict[uuid.UUID, list[dict[str, Any]]] = {}
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
            TemplateAdminOut,
        )
        for r in rows
    ]


async def template_out(user: CurrentUser, template_id: uuid.UUID) -> TemplateAdminOut:
    """One template in the user's subtree, with its items in order."""
    return (await _out([await _row(user, template_id)]))[0]


async def subtree_templates(user: CurrentUser) -> list[TemplateAdminOut]:
    """Every template owned in the user's subtree, retired versions too, newest first."""
    rows = await (
        ChecklistTemplate.select()
        .where(ChecklistTemplate.org_unit.path.like(f"{user.org_unit_path}%"))
        .order_by(ChecklistTemplate.created_at, ascending=False)
    )
    return await _out(rows)
