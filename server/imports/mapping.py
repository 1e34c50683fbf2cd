"""The columns an import understands, per kind, and which file header feeds each.

Chinese headers are recognised by their usual wordings; the admin can change the mapping, which
is then checked here (a mapped header must exist, required fields must be mapped).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from server.errors import ApiError

Kind = Literal["talent", "service_center"]


@dataclass(frozen=True)
class Field:
    key: str
    #: The header the template file uses.
    label: str
    required: bool = False
    aliases: tuple[str, ...] = ()


FIELDS: dict[str, tuple[Field, ...]] = {
    "talent": (
        Field("name", "姓名", True, ("人才姓名", "名字")),
        Field("employer", "工作单位", False, ("单位", "所在单位", "工作单位及职务")),
        Field("township", "所在镇街", True, ("镇街", "乡镇", "镇（街道）", "所属镇街", "乡镇街道")),
        Field("category", "人才类别", True, ("类别", "人才类型", "所属人才队伍")),
        Field("level", "人才层次", False, ("层次", "人才等级")),
        Field("field", "专业领域", False, ("领域", "专业", "行业")),
        Field("title", "职称职务", False, ("职称", "职务", "职称/职务")),
        Field("phone", "联系电话", False, ("电话", "手机", "手机号码", "联系方式")),
        Field("contact_leader", "联系领导", False, ("联系县领导",)),
        Field("liaison_staff", "联络员", False, ("联络人", "联系人")),
        Field("roster_year", "入库年度", False, ("年度", "名单年度")),
    ),
    "service_center": (
        Field("name", "名称", True, ("党群服务中心名称", "中心名称")),
        Field("township", "所在镇街", True, ("镇街", "乡镇", "所属镇街")),
        Field("unit", "所在村社区", True, ("村（社区）", "村社区", "所属村社区", "村/社区")),
        Field("address", "地址", False, ("详细地址",)),
        Field("latitude", "纬度", False, ()),
        Field("longitude", "经度", False, ()),
    ),
}


def _norm(header: str) -> str:
    return re.sub(r"[\s*＊:：()（）/、]", "", header).lower()


def auto_mapping(kind: Kind, headers: list[str]) -> dict[str, str]:
    """Field key → the header that feeds it, for every field a header names."""
    by_norm = {_norm(h): h for h in headers}
    out: dict[str, str] = {}
    for field in FIELDS[kind]:
        for name in (field.label, field.key, *field.aliases):
            header = by_norm.get(_norm(name))
            if header is not None and header not in out.values():
                out[field.key] = header
                break
    return out


def check_mapping(kind: Kind, headers: list[str], mapping: dict[str, str]) -> dict[str, int]:
    """Field key → column index, after checking an admin's mapping against the file."""
    keys = {f.key for f in FIELDS[kind]}
    out = {}
    for key, header in mapping.items():
        if key not in keys:
            raise ApiError(
                400, "import.unknown_field", f"没有「{key}」这一项", {"field": "mapping"}
            )
        if not header:
            continue
        if header not in headers:
            raise ApiError(
                400,
                "import.unknown_header",
                f"文件中没有「{header}」这一列",
                {"field": "mapping", "key": key},
            )
        out[key] = headers.index(header)
    for field in FIELDS[kind]:
        if field.required and field.key not in out:
            raise ApiError(
                400,
                "import.required_unmapped",
                f"必填项「{field.label}」没有对应的列",
                {"field": "mapping", "key": field.key},
            )
    return out


def template_csv(kind: Kind) -> bytes:
    """The template file: the expected headers (required ones marked *), UTF-8 with a BOM."""
    return (",".join(f.label for f in FIELDS[kind]) + "\r\n").encode("utf-8-sig")
