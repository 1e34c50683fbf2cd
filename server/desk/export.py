"""The records table as an XLSX file: one row per record, the flags in words."""

from __future__ import annotations

import datetime as dt
import io

import xlsxwriter

from server.desk.flags import FLAGS
from server.desk.schemas import RecordRow
from server.reports.labels import RECORD_STATUS, label

_HEADERS = (
    "类型", "日期", "对象", "走访活动/检查清单", "走访（检查）人", "单位", "地点", "状态",
    "照片数", "诉求数", "未办结诉求", "提交时间", "审核时间", "审核意见", "提示",
)  # fmt: skip
_KIND = {"visit": "走访", "inspection": "检查"}


def _when(value: dt.datetime | None) -> str:
    return (
        value.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")
        if value
        else ""
    )


def to_xlsx(rows: list[RecordRow]) -> bytes:
    """The workbook's bytes."""
    out = io.BytesIO()
    # Text stays text: a note that starts with "=" must not become a live formula.
    book = xlsxwriter.Workbook(
        out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    sheet = book.add_worksheet("记录")
    for col, name in enumerate(_HEADERS):
        sheet.write_string(0, col, name, head)
    for r, row in enumerate(rows, start=1):
        values: tuple[str | int, ...] = (
            _KIND[row.kind],
            row.day.isoformat(),
            row.subject,
            row.campaign_name,
            row.owner_name,
            row.unit_name,
            row.place,
            label(RECORD_STATUS, row.status),
            row.photo_count,
            row.demand_count,
            row.open_demand_count,
            _when(row.submitted_at),
            _when(row.reviewed_at),
            row.review_comment,
            "；".join(FLAGS[f].label for f in row.flags),
        )
        for col, value in enumerate(values):
            if isinstance(value, int):
                sheet.write_number(r, col, value)
            else:
                sheet.write_string(r, col, value)
    sheet.freeze_panes(1, 0)
    book.close()
    return out.getvalue()
