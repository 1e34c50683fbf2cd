"""The weekly summary's arithmetic on counts, without a database."""

from __future__ import annotations

import datetime as dt

from server.reports import figures

VISITS = [
    {"township": "/c/g/", "visits": 3, "talents_visited": 2, "covered": 4},
    {"township": None, "visits": 3, "talents_visited": 2, "covered": 5},
]
ROSTER = [{"township": "/c/g/", "roster": 40}, {"township": None, "roster": 10}]
COUNTERS = {
    "demands": 0,
    "collected": 0,
    "resolved_on_site": 0,
    "assigned": 0,
    "closed": 0,
    "closed_on_time": 0,
    "overdue": 0,
    "assigned_this_week": 0,
    "closed_this_week": 0,
    "solved": 0,
    "rated": 0,
    "pleased": 0,
    "unsatisfied_assigned": 0,
}


def _demands(township: str | None, handler: str, category: str, **counts: int) -> dict:
    return {"township": township, "handler": handler, "category": category, **COUNTERS, **counts}


# Groups of demands as ``queries.demand_figures`` returns them.
DEMANDS = [
    _demands(
        "/c/g/",
        "县人社局",
        "housing",
        demands=2,
        collected=2,
        assigned=2,
        closed=1,
        closed_on_time=1,
        overdue=1,
        assigned_this_week=2,
        closed_this_week=1,
        solved=1,
        rated=2,
        pleased=2,
    ),
    _demands("/c/g/", "", "medical", demands=1, collected=1, resolved_on_site=1, solved=1),
    _demands(
        None,
        "",
        "housing",
        demands=1,
        collected=1,
        assigned=1,
        closed=1,
        closed_this_week=0,
        solved=1,
        rated=1,
        unsatisfied_assigned=1,
    ),
]


def test_rates_divide_or_say_nothing() -> None:
    assert figures.rate(1, 3) == 0.3333
    assert figures.rate(0, 0) is None


def test_add_up_sums_counters_per_group_and_leaves_text_out() -> None:
    by_handler = figures.add_up(DEMANDS, by="handler")
    assert by_handler[""]["demands"] == 2 and by_handler["县人社局"]["assigned"] == 2
    assert "category" not in by_handler[""]
    assert figures.add_up(DEMANDS)[None]["collected"] == 4


def test_overview_sums_every_group() -> None:
    o = figures.overview(VISITS, DEMANDS, ROSTER)
    assert (o["visits"], o["covered"], o["roster_size"], o["coverage_rate"]) == (3, 5, 50, 0.1)
    assert (o["assigned"], o["closed"], o["closure_rate"]) == (3, 2, 0.6667)
    assert (o["closed_on_time"], o["on_time_rate"], o["overdue"]) == (1, 0.5, 1)
    assert o["satisfaction_rate"] == 0.6667
    rows = {row[0]: row for row in figures.overview_section(o).rows}
    assert rows["其中当场解决"] == ["其中当场解决", 1, 0.25]
    assert figures.overview(VISITS, [], [])["coverage_rate"] is None


def test_townships_in_pinyin_order_with_zeros_where_nothing_counted() -> None:
    towns = [{"name": "南山镇", "path": "/c/n/"}, {"name": "城关镇", "path": "/c/g/"}]
    section = figures.township_section(towns, VISITS, DEMANDS, ROSTER)
    assert section.rows == [
        ["城关镇", 40, 3, 2, 4, 0.1, 3, 1, 2, 1, 0.5, 1],
        ["南山镇", 0, 0, 0, 0, None, 0, 0, 0, 0, None, 0],
    ]


def test_handlers_with_assigned_demands_derive_late_and_open() -> None:
    rows = {row[0]: row for row in figures.handler_section(DEMANDS).rows}
    assert rows["县人社局"] == ["县人社局", 2, 2, 1, 0, 1, 1, 0.5, 1.0, 0]
    # The demand resolved on site was never assigned; the unnamed handler counts one.
    assert rows[figures.NO_HANDLER] == [figures.NO_HANDLER, 1, 0, 0, 1, 0, 0, 1.0, 0.0, 1]
    assert figures.handler_section([_demands(None, "县教育局", "other", demands=1)]).rows == []


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
            _demands(None, "", "medical", demands=1),
            _demands(None, "", "housing", demands=2, solved=1),
            _demands("/c/g/", "x", "housing", demands=1, solved=1),
            _demands(None, "", "local_key", demands=1, solved=1),
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
