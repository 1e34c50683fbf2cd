"""The weekly summary's arithmetic on counts, without a database."""

from __future__ import annotations

import datetime as dt

from server.reports import figures

VISITS = {"visits": 3, "talents_visited": 2, "covered": 5}
DEMANDS = {
    "collected": 4,
    "resolved_on_site": 1,
    "assigned_this_week": 2,
    "closed_this_week": 1,
    "assigned": 3,
    "closed": 2,
    "closed_on_time": 1,
    "overdue": 1,
    "rated": 3,
    "pleased": 2,
}


def test_rates_divide_or_say_nothing() -> None:
    assert figures.rate(1, 3) == 0.3333
    assert figures.rate(0, 0) is None


def test_overview_rates() -> None:
    o = figures.overview(VISITS, DEMANDS, roster_size=50)
    assert (o["coverage_rate"], o["closure_rate"], o["on_time_rate"]) == (0.1, 0.6667, 0.5)
    assert o["satisfaction_rate"] == 0.6667
    rows = {row[0]: row for row in figures.overview_section(o).rows}
    assert rows["其中当场解决"] == ["其中当场解决", 1, 0.25]
    assert figures.overview(VISITS, DEMANDS, roster_size=0)["coverage_rate"] is None


def test_townships_in_pinyin_order_with_zeros_where_nothing_counted() -> None:
    towns = [{"name": "南山镇", "path": "/c/n/"}, {"name": "城关镇", "path": "/c/g/"}]
    section = figures.township_section(
        towns,
        {
            "talents": {"/c/g/": {"roster": 40}},
            "visits": {"/c/g/": {"visits": 3, "talents_visited": 3, "covered": 4}},
            "demands": {
                "/c/g/": {
                    "collected": 3,
                    "resolved_on_site": 1,
                    "assigned": 2,
                    "closed": 1,
                    "overdue": 1,
                }
            },
        },
    )
    assert section.rows == [
        ["城关镇", 40, 3, 3, 4, 0.1, 3, 1, 2, 1, 0.5, 1],
        ["南山镇", 0, 0, 0, 0, None, 0, 0, 0, 0, None, 0],
    ]


def test_handlers_derive_late_and_open_and_name_the_unnamed() -> None:
    handler = {
        "assigned": 5,
        "assigned_this_week": 1,
        "closed": 3,
        "closed_on_time": 2,
        "overdue": 1,
        "unsatisfied": 1,
    }
    section = figures.handler_section(
        [{"handler": "县人社局", **handler}, {"handler": "", **handler}]
    )
    rows = {row[0]: row for row in section.rows}
    assert rows["县人社局"] == ["县人社局", 5, 1, 2, 1, 2, 1, 0.6, 0.6667, 1]
    assert rows[figures.NO_HANDLER][1:] == rows["县人社局"][1:]


def test_visitors_by_name_never_by_workload() -> None:
    people = [
        {
            "name": "张三",
            "unit": "城关镇",
            "visits": 9,
            "submitted": 1,
            "returned": 0,
            "pending": 0,
        },
        {
            "name": "李四",
            "unit": "东湖街道",
            "visits": 0,
            "submitted": 0,
            "returned": 1,
            "pending": 2,
        },
    ]
    assert [row[0] for row in figures.visitor_section(people).rows] == ["李四", "张三"]


def test_categories_largest_first_with_share_and_labels() -> None:
    section = figures.category_section(
        [
            {"category": "medical", "demands": 1, "solved": 0},
            {"category": "housing", "demands": 3, "solved": 2},
            {"category": "local_key", "demands": 1, "solved": 1},
        ]
    )
    assert section.rows == [
        ["住房", 3, 0.6, 2],
        ["local_key", 1, 0.2, 1],
        ["医疗", 1, 0.2, 0],
    ]


def test_overdue_rows_mask_talents_and_count_days() -> None:
    row = {
        "talent_name": "张",
        "description": "申" * 50,
        "handler_name": None,
        # 20:00 UTC on the 16th is the 17th in the county.
        "assigned_at": dt.datetime(2026, 11, 16, 20, tzinfo=dt.UTC),
        "due_date": dt.date(2026, 11, 19),
        "status": "assigned",
        "escalations": '[{"note": "催"}]',
    }
    section = figures.overdue_section([row], as_of=dt.date(2026, 11, 22))
    assert section.rows == [
        [1, "张*", "申" * 40, "", dt.date(2026, 11, 17), dt.date(2026, 11, 19), 3, "已交办", 1]
    ]


def test_inspections_average_only_when_something_was_inspected() -> None:
    counts = {"centres": 0, "average_score": None, "found": 0, "found_accepted": 0, "overdue": 2}
    assert figures.inspection_section(counts).rows == [[0, None, 0, 0, 2]]
    counts |= {"centres": 2, "average_score": 87.25}
    assert figures.inspection_section(counts).rows == [[2, 87.2, 0, 0, 2]]
