"""zh-CN labels for the values exports show, in one place (the same words as the PWA's labels).

Each table is keyed by an allowed-value Literal of ``sync/protocol.py`` where one exists, so mypy
refuses a key that is not an allowed value and ``tests/unit/test_report_labels.py`` refuses an
allowed value without a label.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from sync.protocol import (
    DemandCategory,
    DemandStatus,
    ItemResultValue,
    RecordStatus,
    RectificationStatus,
    Satisfaction,
    VisitMode,
)

DEMAND_CATEGORY: Final[dict[DemandCategory, str]] = {
    "policy_delivery": "政策兑现",
    "housing": "住房",
    "school_enrolment": "子女入学",
    "medical": "医疗",
    "household_registration": "落户",
    "spouse_employment": "配偶就业",
    "project_application": "项目平台申报",
    "funding": "资金",
    "recruitment": "用才招聘",
    "intellectual_property": "知识产权",
    "title_evaluation": "职称评审",
    "other": "其他",
}
VISIT_MODE: Final[dict[VisitMode, str]] = {
    "in_person": "登门",
    "symposium": "座谈",
    "phone": "电话",
    "video": "视频",
}
RECORD_STATUS: Final[dict[RecordStatus, str]] = {
    "draft": "草稿",
    "submitted": "已提交",
    "approved": "已审核",
    "returned": "退回",
}
ITEM_RESULT: Final[dict[ItemResultValue, str]] = {
    "met": "达标",
    "partly_met": "部分达标",
    "not_met": "不达标",
    "not_applicable": "不适用",
}
RECTIFICATION_STATUS: Final[dict[RectificationStatus, str]] = {
    "pending": "待整改",
    "in_progress": "整改中",
    "reported": "已报整改",
    "accepted": "已验收销号",
    "returned": "退回重整",
}
DEMAND_STATUS: Final[dict[DemandStatus, str]] = {
    "received": "已受理",
    "resolved_on_site": "当场解决",
    "assigned": "已交办",
    "in_progress": "办理中",
    "replied": "已答复",
    "revisited": "已回访",
    "closed": "已办结",
    "acknowledged": "已签收",
    "sent_back": "已退单",
}
SATISFACTION: Final[dict[Satisfaction, str]] = {
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "unsatisfied": "不满意",
}


def label(table: Mapping[Any, str], value: str) -> str:
    """The label of ``value``, or the value itself when it has none (an old or local key)."""
    return table.get(value, value)
