"""The weekly files keep text as text: a cell that starts like a formula is never one
(CSV injection, issue 19 §4)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl

from server.reports.export import to_csv, to_xlsx
from server.reports.schemas import Section, WeeklySummary

HOSTILE = [
    '=HYPERLINK("http://evil.example","点我")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
]


def _summary() -> WeeklySummary:
    rows = [[n, text, 0.5, dt.date(2026, 11, 19)] for n, text in enumerate(HOSTILE, start=1)]
    return WeeklySummary(
        week="2026-W47",
        starts_on=dt.date(2026, 11, 16),
        ends_on=dt.date(2026, 11, 22),
        as_of=dt.date(2026, 11, 22),
        unit_name="=清源县",
        campaign_name="三送三问",
        campaign_starts_on=dt.date(2026, 1, 1),
        generated_at=dt.datetime(2026, 11, 23, tzinfo=dt.UTC),
        overview={},
        sections=[
            Section(
                key="overdue",
                title="六、超期诉求清单",
                headers=["序号", "诉求摘要", "比率", "办理时限"],
                rows=rows,
                percent_columns=[2],
            )
        ],
    )


def test_xlsx_writes_formula_like_text_as_text() -> None:
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(_summary())))
    sheet = book["超期诉求清单"]
    cells = [sheet.cell(row=4 + i, column=2) for i in range(len(HOSTILE))]
    # (openpyxl reads a carriage return back as Excel's escape _x000D_, which Excel undoes.)
    assert [c.value for c in cells] == [*HOSTILE[:-1], "_x000D_=1"]
    assert {c.data_type for c in cells} == {"s"}
    # Numbers, rates and dates keep their types.
    assert sheet.cell(row=4, column=1).value == 1
    assert sheet.cell(row=4, column=3).value == 0.5
    assert sheet.cell(row=4, column=4).value == dt.datetime(2026, 11, 19)
    cover = book["说明"]
    assert cover.cell(row=3, column=2).value == "=清源县"
    assert cover.cell(row=3, column=2).data_type == "s"


def test_csv_prefixes_formula_like_text() -> None:
    text = to_csv(_summary()).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text, newline="")))
    at = lines.index(["序号", "诉求摘要", "比率", "办理时限"])
    assert [line[1] for line in lines[at + 1 :]] == ["'" + t for t in HOSTILE]
    assert lines[at + 1][0] == "1" and lines[at + 1][2] == "50.0%"
    assert lines[0][0].startswith("'=清源县 走访工作周报")
    assert ["单位", "'=清源县"] in lines
