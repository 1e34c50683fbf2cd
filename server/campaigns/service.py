"""Admin writes to campaigns, through :class:`server.sync.write.ServerWrite` like every change
phones pull: the version and change number bump, and the audit log keeps before and after.
Items are never deleted: one an edit leaves out is kept as retired (records may name it)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import msgspec

from server.accounts.schemas import CurrentUser
from server.accounts.tables import OrgUnit
from server.campaigns.admin_schemas import CampaignAdminOut, CampaignIn, ItemIn
from server.campaigns.tables import Campaign
from server.db import json_load, new_id
from server.errors import ApiError, not_found
from server.sync.write import ServerWrite

#: The stream admin writes go through.
STREAM = "server:admin"
_KEY = re.compile(r"[a-z][a-z0-9_]{0,29}", re.ASCII)
_FLAGS = ("photo_required", "location_required", "album_allowed", "watermark")


def invalid(fields: dict[str, str]) -> ApiError:
    """A campaign form with wrong fields: each field's Chinese message under ``fields``."""
    return ApiError(400, "campaign.invalid", "输入有误，请检查标出的字段", {"fields": fields})


def _item_errors(items: list[ItemIn], field: str, errors: dict[str, str]) -> None:
    keys = [i.key for i in items]
    if not items:
        errors[field] = "至少需要一项"
    elif any(not _KEY.fullmatch(k) for k in keys):
        errors[field] = "代码须以小写字母开头，只含小写字母、数字和下划线（最多 30 位）"
    elif len(set(keys)) != len(keys):
        errors[field] = "代码不能重复"
    elif any(not 1 <= len(i.label.strip()) <= 20 for i in items):
        errors[field] = "每项名称须为 1 到 20 个字"


async def _checked(user: CurrentUser, data: CampaignIn) -> None:
    errors: dict[str, str] = {}
    if not 1 <= len(data.name.strip()) <= 100:
        errors["name"] = "请填写活动名称（最多 100 个字）"
    if data.ends_on < data.starts_on:
        errors["ends_on"] = "结束日期不能早于开始日期"
    if data.target_kind not in ("talent", "unit"):
        errors["target_kind"] = "请选择走访对象"
    _item_errors(data.send_items, "send_items", errors)
    _item_errors(data.ask_items, "ask_items", errors)
    unit = await OrgUnit.select(OrgUnit.path).where(OrgUnit.id == data.org_unit_id).first()
    if unit is None or not user.covers(unit["path"]):
        errors["org_unit_id"] = "所选单位不存在或不在您的管理范围内"
    if errors:
        raise invalid(errors)


def _merged(stored: list[dict[str, Any]], items: list[ItemIn]) -> list[dict[str, Any]]:
    """The new items in order, then every earlier item left out, retired."""
    kept = [{"key": i.key, "label": i.label.strip()} for i in items]
    keys = {i.key for i in items}
    return kept + [{**i, "retired": True} for i in stored if i["key"] not in keys]


def _values(data: CampaignIn, before: dict[str, Any] | None) -> dict[str, Any]:
    old = before or {}
    return {
        "name": data.name.strip(),
        "org_unit": data.org_unit_id,
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
        "target_kind": data.target_kind,
        "send_items": _merged(json_load(old.get("send_items")) or [], data.send_items),
        "ask_items": _merged(json_load(old.get("ask_items")) or [], data.ask_items),
        **{flag: getattr(data, flag) for flag in _FLAGS},
    }


def _audited(values: dict[str, Any]) -> dict[str, Any]:
    return msgspec.to_builtins(values, enc_hook=str)


async def create_campaign(write: ServerWrite, data: CampaignIn) -> CampaignAdminOut:
    """Set up a campaign owned by a unit in the actor's subtree."""
    await _checked(write.actor, data)
    values = _values(data, None)
    campaign_id = new_id()
    code = f"campaign.{campaign_id.hex[-12:]}"
    stamp: dict[str, Any] = {
        "change_seq": write.change_seq,
        "created_at": write.now,
        "updated_at": write.now,
    }
    await Campaign.insert(Campaign(id=campaign_id, code=code, version=1, **values, **stamp))
    await write.audit(
        "campaign.create",
        entity="campaign",
        entity_id=campaign_id,
        details={"before": None, "after": _audited(values)},
    )
    return await campaign_out(write.actor, campaign_id)


async def _load(user: CurrentUser, campaign_id: uuid.UUID, version: int) -> dict[str, Any]:
    row = await (
        Campaign.select(*Campaign.all_columns(), Campaign.org_unit.path.as_alias("unit_path"))
        .where(Campaign.id == campaign_id)
        .first()
    )
    if row is None or not user.covers(row["unit_path"] or ""):
        raise not_found("campaign")
    if not row["active"]:
        raise ApiError(409, "campaign.inactive", "该活动已停用，不能再修改")
    if row["version"] != version:
        raise ApiError(
            409,
            "campaign.stale_version",
            "该活动已被他人修改，请刷新后重试",
            {"current_version": row["version"]},
        )
    return row


async def update_campaign(
    write: ServerWrite, campaign_id: uuid.UUID, data: CampaignIn
) -> CampaignAdminOut:
    """Edit a campaign at ``data.version``; items left out are retired."""
    before = await _load(write.actor, campaign_id, data.version)
    await _checked(write.actor, data)
    values = _values(data, before)
    old = {k: json_load(v) if k.endswith("_items") else v for k, v in before.items()}
    changed: dict[Any, Any] = {k: v for k, v in values.items() if _audited(old[k]) != _audited(v)}
    if changed:
        stamp: dict[Any, Any] = {"change_seq": write.change_seq, "updated_at": write.now}
        await Campaign.update({**changed, "version": before["version"] + 1, **stamp}).where(
            Campaign.id == campaign_id
        )
        await write.audit(
            "campaign.update",
            entity="campaign",
            entity_id=campaign_id,
            details={
                "before": _audited({k: old[k] for k in changed}),
                "after": _audited(changed),
                "version": before["version"] + 1,
            },
        )
    return await campaign_out(write.actor, campaign_id)


async def deactivate_campaign(
    write: ServerWrite, campaign_id: uuid.UUID, version: int
) -> CampaignAdminOut:
    """End a campaign for good: phones drop it, its records stay."""
    await _load(write.actor, campaign_id, version)
    stamp: dict[Any, Any] = {
        "change_seq": write.change_seq,
        "updated_at": write.now,
        "version": version + 1,
    }
    await Campaign.update({"active": False, **stamp}).where(Campaign.id == campaign_id)
    await write.audit(
        "campaign.deactivate",
        entity="campaign",
        entity_id=campaign_id,
        details={"before": {"active": True}, "after": {"active": False}, "version": version + 1},
    )
    return await campaign_out(write.actor, campaign_id)


def _out(row: dict[str, Any]) -> CampaignAdminOut:
    wire = {**row, "org_unit_id": row["org_unit"]}
    for field in ("send_items", "ask_items"):
        wire[field] = json_load(row[field]) or []
    return msgspec.convert(wire, CampaignAdminOut)


async def campaign_out(user: CurrentUser, campaign_id: uuid.UUID) -> CampaignAdminOut:
    """One campaign in the user's subtree, every item included."""
    row = await (
        Campaign.select(*Campaign.all_columns(), Campaign.org_unit.path.as_alias("unit_path"))
        .where(Campaign.id == campaign_id)
        .first()
    )
    if row is None or not user.covers(row["unit_path"] or ""):
        raise not_found("campaign")
    return _out(row)


async def subtree_campaigns(user: CurrentUser) -> list[CampaignAdminOut]:
    """Every campaign owned by a unit in the user's subtree, newest first, inactive too."""
    rows = await (
        Campaign.select()
        .where(Campaign.org_unit.path.like(f"{user.org_unit_path}%"))
        .order_by(Campaign.starts_on, ascending=False)
    )
    return [_out(r) for r in rows]
