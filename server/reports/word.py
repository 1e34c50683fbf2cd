"""The weekly summary as a Word file (周报), laid out as county offices write one: a title, the
headline figures in a paragraph of prose, then a table per section (the overdue list among them).

It is built on a template an admin can replace (letterhead, fonts, margins): a ``.docx`` at
``<data dir>/reports/template.docx`` if there is one, else python-docx's plain default. The
template's body is kept and the summary written after it; tables use its "Table Grid" style when
it has one.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from server.db import SHANGHAI
from server.reports.export import clean, title
from server.reports.schemas import Section, WeeklySummary
from server.settings import get_settings

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_FONT = "宋体"


def template_path() -> Path:
    """Where an admin puts the Word template that replaces the default."""
    return get_settings().data_dir / "reports" / "template.docx"


def _percent(value: Any) -> str:
    return "—" if value is None else f"{float(value) * 100:.1f}%"


def headline(summary: WeeklySummary) -> str:
    """本周共走访人才X人次……: the overview figures as the sentence a report opens with."""
    o = summary.overview
    span = f"{summary.starts_on.month}月{summary.starts_on.day}日至{summary.ends_on.month}月{summary.ends_on.day}日"
    return (
        f"{span}，{summary.unit_name}本周共走访人才{o['visits']}人次，涉及人才{o['talents_visited']}人；"
        f"人才名单共{o['roster_size']}人，累计覆盖{o['covered']}人，覆盖率{_percent(o['coverage_rate'])}。"
        f"本周收集诉求{o['demands_collected']}件，其中当场解决{o['resolved_on_site']}件；"
        f"本周交办{o['assigned_this_week']}件，办结{o['closed_this_week']}件。"
        f"累计交办{o['assigned']}件，办结{o['closed']}件，办结率{_percent(o['closure_rate'])}，"
        f"按时办结率{_percent(o['on_time_rate'])}；超期未办结{o['overdue']}件。"
        f"回访满意率{_percent(o['satisfaction_rate'])}。"
    )


def _cell(value: Any, as_percent: bool) -> str:
    if as_percent:
        return "" if value is None else _percent(value)
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return clean(str(value))


def _table(document: Any, section: Section) -> None:
    document.add_heading(clean(section.title), level=2)
    if not section.rows:
        document.add_paragraph("（无）")
        return
    table = document.add_table(rows=1, cols=len(section.headers))
    if "Table Grid" in [s.name for s in document.styles]:
        table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, section.headers, strict=True):
        cell.text = clean(name)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    # Word repeats a header row on every page it runs onto.
    header = table.rows[0]._tr.get_or_add_trPr()
    header.append(header.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"}))
    for values in section.rows:
        cells = table.add_row().cells
        for col, value in enumerate(values):
            cells[col].text = _cell(value, col in section.percent_columns)


def _base() -> Any:
    path = template_path()
    document = docx.Document(str(path)) if path.is_file() else docx.Document()
    if not path.is_file():
        # The default has no CJK font: name one so Word and LibreOffice pick a Chinese face.
        normal = document.styles["Normal"]
        normal.font.name = _FONT
        normal.font.size = Pt(11)
        normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), _FONT)
        page = document.sections[0]
        page.orientation = WD_ORIENT.LANDSCAPE
        page.page_width, page.page_height = page.page_height, page.page_width
    return document


def to_docx(summary: WeeklySummary) -> bytes:
    """The summary as a ``.docx`` file (see the module)."""
    document = _base()
    heading = document.add_heading(clean(title(summary)), level=1)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    made = summary.generated_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    about = f"走访活动：{summary.campaign_name or '（全部）'}　统计截至：{summary.as_of}　生成时间：{made}"
    document.add_paragraph(clean(about))
    document.add_paragraph(clean(headline(summary)))
    for section in summary.sections:
        _table(document, section)
    document.add_paragraph(
        "口径：只统计已审核通过的走访和检查记录；人员表只列工作量，按姓名排序，不排名。"
    )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
