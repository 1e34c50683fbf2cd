"""Checks of what an admin types into a roster row; messages in Chinese, by field, for the form."""

from __future__ import annotations

import re
from typing import Any

from server.errors import ApiError
from server.rosters.admin_schemas import ServiceCenterIn, TalentIn
from server.rosters.tables import TALENT_CATEGORIES

_PHONE = re.compile(r"[0-9+\-]{7,20}", re.ASCII)
#: Column → (longest length, field label) of the free-text fields.
_TEXT_LIMITS = {
    "name": 50,
    "employer": 200,
    "level": 30,
    "field": 100,
    "title": 100,
    "contact_leader": 50,
    "liaison_staff": 50,
    "address": 200,
}


def invalid(fields: dict[str, str]) -> ApiError:
    """The error of a form with wrong fields: each field's Chinese message under ``fields``."""
    return ApiError(400, "roster.invalid", "输入有误，请检查标出的字段", {"fields": fields})


def _texts(data: Any, names: tuple[str, ...], errors: dict[str, str]) -> None:
    for name in names:
        value = getattr(data, name).strip()
        if len(value) > _TEXT_LIMITS[name]:
            errors[name] = f"不能超过 {_TEXT_LIMITS[name]} 个字"
    if not data.name.strip():
        errors["name"] = "请填写名称"


def talent_errors(data: TalentIn) -> dict[str, str]:
    """Wrong fields of a talent, by wire name."""
    errors: dict[str, str] = {}
    _texts(
        data,
        ("name", "employer", "level", "field", "title", "contact_leader", "liaison_staff"),
        errors,
    )
    if data.category not in TALENT_CATEGORIES:
        errors["category"] = "请选择人才类别"
    if data.phone and not _PHONE.fullmatch(data.phone.strip()):
        errors["phone"] = "请填写正确的电话号码（7 到 20 位数字）"
    if not 1949 <= data.roster_year <= 2100:
        errors["roster_year"] = "请填写正确的名单年度"
    return errors


def centre_errors(data: ServiceCenterIn) -> dict[str, str]:
    """Wrong fields of a service centre, by wire name."""
    errors: dict[str, str] = {}
    _texts(data, ("name", "address"), errors)
    if (data.latitude is None) != (data.longitude is None):
        errors["latitude" if data.latitude is None else "longitude"] = "经纬度需同时填写"
    if data.latitude is not None and not -90 <= data.latitude <= 90:
        errors["latitude"] = "纬度应在 -90 到 90 之间"
    if data.longitude is not None and not -180 <= data.longitude <= 180:
        errors["longitude"] = "经度应在 -180 到 180 之间"
    return errors
