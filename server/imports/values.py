"""A file row's cells as roster column values, or the Chinese messages saying what is wrong."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from server.db import county_today
from server.imports.mapping import FIELDS, Kind
from server.imports.parsing import FORMULA

#: 人才类别 as people write it → the talent team's identifier.
TALENT_CATEGORY = {
    "党政": "party_gov",
    "企业经营管理": "enterprise_mgmt",
    "专业技术": "professional_tech",
    "高技能": "high_skill",
    "农村实用": "rural_practical",
    "社会工作": "social_work",
}
_CODES = set(TALENT_CATEGORY.values())
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")
_LENGTHS = {
    "name": 50,
    "employer": 200,
    "level": 30,
    "field": 100,
    "title": 100,
    "contact_leader": 50,
    "liaison_staff": 50,
    "address": 200,
}


@dataclass
class Units:
    """The org units an admin may import into, by name: townships/subdistricts, and the villages
    and communities under each township."""

    townships: dict[str, uuid.UUID]
    villages: dict[tuple[uuid.UUID, str], uuid.UUID]


@dataclass
class Parsed:
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def parse_row(kind: Kind, cells: dict[str, str], units: Units) -> Parsed:
    """Column values of one row (``phone`` in clear; the caller encrypts), or its errors."""
    out = Parsed()
    for key, text in cells.items():
        if text == FORMULA:
            out.errors.append(f"「{key_label(kind, key)}」是公式，请粘贴为数值后再导入")
            cells[key] = ""
    name = cells.get("name", "")
    if not name:
        out.errors.append("缺少姓名" if kind == "talent" else "缺少名称")
    out.values["name"] = name
    township_name = cells.get("township", "")
    township = units.townships.get(township_name)
    if not township_name:
        out.errors.append("缺少所在镇街")
    elif township is None:
        out.errors.append(f"未知镇街「{township_name}」（或不在您的管辖范围内）")
    if kind == "talent":
        _talent(cells, township, out)
    else:
        _centre(cells, township, units, out)
    for key, limit in _LENGTHS.items():
        value = out.values.get(key)
        if isinstance(value, str) and len(value) > limit:
            out.errors.append(f"「{key_label(kind, key)}」超过 {limit} 个字")
    return out


def _talent(cells: dict[str, str], township: uuid.UUID | None, out: Parsed) -> None:
    out.values["org_unit"] = township
    for key in ("employer", "level", "field", "title", "contact_leader", "liaison_staff"):
        out.values[key] = cells.get(key, "")
    category = cells.get("category", "")
    code = category if category in _CODES else TALENT_CATEGORY.get(category.removesuffix("人才"))
    if not category:
        out.errors.append("缺少人才类别")
    elif code is None:
        out.errors.append(f"未知人才类别「{category}」（应为：{'、'.join(TALENT_CATEGORY)}）")
    out.values["category"] = code
    phone = re.sub(r"[\s()（）]", "", cells.get("phone", "")).removeprefix("+86")
    if phone and not (_MOBILE.fullmatch(phone) or _LANDLINE.fullmatch(phone)):
        out.errors.append(f"联系电话「{cells['phone']}」格式不对（应为 11 位手机号或区号加座机号）")
    out.values["phone"] = phone or None
    year_text = cells.get("roster_year", "")
    year = county_today().year
    if year_text:
        if year_text.isdigit() and 2000 <= int(year_text) <= 2100:
            year = int(year_text)
        else:
            out.errors.append(f"入库年度「{year_text}」应为四位年份")
    out.values["roster_year"] = year


def _centre(cells: dict[str, str], township: uuid.UUID | None, units: Units, out: Parsed) -> None:
    village_name = cells.get("unit", "")
    village = units.villages.get((township, village_name)) if township else None
    if not village_name:
        out.errors.append("缺少所在村社区")
    elif township is not None and village is None:
        out.errors.append(f"所在镇街下没有村社区「{village_name}」")
    out.values["org_unit"] = village
    out.values["address"] = cells.get("address", "")
    for key, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
        text = cells.get(key, "")
        value = None
        if text:
            try:
                value = float(text)
            except ValueError:
                value = None
            if value is None or not low <= value <= high:
                out.errors.append(f"{key_label('service_center', key)}「{text}」不是有效数值")
                value = None
        out.values[key] = value


def key_label(kind: Kind, key: str) -> str:
    """The Chinese name of a field, for messages."""
    return next((f.label for f in FIELDS[kind] if f.key == key), key)
