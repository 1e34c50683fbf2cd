"""The weekly summary as files county offices open in Excel and print: XLSX with Chinese headers
(a cover sheet, then a sheet per section) and CSV in UTF-8 with a BOM (so Excel on Windows reads
the Chinese), its sections one after another."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import xlsxwriter

from server.db import SHANGHAI
from server.reports.schemas import Section, WeeklySummary

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


def title(summary: WeeklySummary) -> str:
    """清源县 走访工作周报 2026年第47周（11月16日—11月22日）"""
    year, week, _ = summary.starts_on.isocalendar()
    span = f"{summary.starts_on.month}月{summary.starts_on.day}日—{summary.ends_on.month}月{summary.ends_on.day}日"
    return f"{summary.unit_name} 走访工作周报 {year}年第{week}周（{span}）"


def _about(summary: WeeklySummary) -> list[tuple[str, str]]:
    made = summary.generated_at.astimezone(SHANGHAI)
    return [
        ("单位", summary.unit_name),
        ("周次", f"{summary.week}（{summary.starts_on} 至 {summary.ends_on}）"),
        ("走访活动", summary.campaign_name or "（全部）"),
        ("累计统计起点", str(summary.campaign_starts_on or f"{summary.starts_on.year}-01-01")),
        ("统计截至", str(summary.as_of)),
        ("生成时间", made.strftime("%Y-%m-%d %H:%M")),
        ("口径", "只统计已审核通过的走访和检查记录；人员表只列工作量，按姓名排序，不排名。"),
    ]


#: Characters XML 1.0 cannot carry (a demand's text may hold them): Excel and Word refuse them,
#: or show them as ``_x0007_``.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: str) -> str:
    """Text as an Office file can hold it (no control characters)."""
    return _NOT_XML.sub("", text)


def _sheet_name(section: Section) -> str:
    name = re.sub(r"^[一二三四五六七八九十]+、", "", section.title)
    return re.sub(r"（.*?）", "", name)[:31]


def _width(value: Any) -> int:
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def to_xlsx(summary: WeeklySummary) -> bytes:
    out = io.BytesIO()
    # Text stays text: a demand that starts with "=" must not become a live formula, nor a
    # string that looks like an address a link.
    book = xlsxwriter.Workbook(
        out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    book.set_properties({"title": title(summary), "author": "走访 Zoufang"})
    heading = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    cell = book.add_format({"border": 1})
    percent = book.add_format({"border": 1, "num_format": "0.0%"})
    date = book.add_format({"border": 1, "num_format": "yyyy-mm-dd"})

    cover = book.add_worksheet("说明")
    cover.write_string(0, 0, clean(title(summary)), heading)
    for row, (label, value) in enumerate(_about(summary), start=2):
        cover.write_string(row, 0, label, head)
        cover.write_string(row, 1, clean(value), cell)
    cover.set_column(0, 0, 16)
    cover.set_column(1, 1, 70)

    for section in summary.sections:
        sheet = book.add_worksheet(_sheet_name(section))
        sheet.write_string(0, 0, f"{title(summary)} · {section.title}", heading)
        for col, name in enumerate(section.headers):
            sheet.write_string(2, col, name, head)
        for r, values in enumerate(section.rows, start=3):
            for col, value in enumerate(values):
                if value is None:
                    sheet.write_blank(r, col, None, cell)
                elif col in section.percent_columns:
                    sheet.write_number(r, col, float(value), percent)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(r, col, dt.datetime.combine(value, dt.time()), date)
                elif isinstance(value, int | float):
                    sheet.write_number(r, col, value, cell)
                else:
                    sheet.write_string(r, col, clean(str(value)), cell)
        for col, name in enumerate(section.headers):
            widest = max([_width(name), *(_width(v[col]) for v in section.rows)])
            sheet.set_column(col, col, min(max(widest + 2, 8), 50))
        sheet.freeze_panes(3, 1)
        # Printed: the header row on every page, every column across one page's width.
        sheet.repeat_rows(2)
        sheet.set_landscape()
        sheet.fit_to_pages(1, 0)
    book.close()
    return out.getvalue()


#: What makes Excel read a CSV cell as a formula (OWASP's list for CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(text: str) -> str:
    """A text cell Excel shows as text: a leading ' stops it being read as a formula."""
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def _text(value: Any, as_percent: bool) -> str:
    if value is None:
        return ""
    if as_percent:
        return f"{float(value) * 100:.1f}%"
    if isinstance(value, str):
        return _safe(value)
    return str(value)


def to_csv(summary: WeeklySummary) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_safe(title(summary))])
    for label, value in _about(summary):
        writer.writerow([label, _safe(value)])
    for section in summary.sections:
        writer.writerow([])
        writer.writerow([section.title])
        writer.writerow(section.headers)
        for values in section.rows:
            writer.writerow(
                [_text(v, col in section.percent_columns) for col, v in enumerate(values)]
            )
    return out.getvalue().encode("utf-8-sig")
