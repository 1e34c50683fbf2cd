"""The weekly summary's arithmetic and tables, as pure functions of the counts ``queries`` returns:
rates, order, labels and masking. Unit tests call them without a database.

Definitions (``../shared/domain.md``): coverage = distinct roster talents with an approved visit
in the campaign period ÷ roster size; closure rate = closed ÷ assigned; on time = closed on or
before the due date; overdue = assigned, past its due date and not closed; satisfaction rate =
(满意 + 基本满意) ÷ demands revisited with a satisfaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pypinyin import lazy_pinyin

from server.db import SHANGHAI, json_load
from server.reports import labels
from server.reports.schemas import Section
from server.security import mask_name

Counts = Mapping[str, Any]
#: The handler column's name for demands assigned without a handler unit.
NO_HANDLER = "（未填）"


def rate(part: int, whole: int) -> float | None:
    """part ÷ whole to four places; None when there is nothing to divide by."""
    return round(part / whole, 4) if whole else None


def county_day(value: dt.datetime | None) -> dt.date | None:
    """The county's date of a moment."""
    return value.astimezone(SHANGHAI).date() if value is not None else None


def _by_name(name: str) -> list[str]:
    """County tables list places and people by name, in pinyin order."""
    return lazy_pinyin(name)


def add_up(rows: Iterable[Counts], by: str | None = None) -> dict[Any, dict[str, int]]:
    """The rows' counters summed per value of the column ``by`` (all rows under None when no
    column is named); text columns are left out."""
    totals: dict[Any, dict[str, int]] = {}
    for row in rows:
        into = totals.setdefault(row[by] if by else None, {})
        for name, value in row.items():
            if isinstance(value, int) and not isinstance(value, bool):
                into[name] = into.get(name, 0) + value
    return totals


def overview(
    visits: Sequence[Counts], demands: Sequence[Counts], roster: Sequence[Counts]
) -> dict[str, float | int | None]:
    """The overview figures by name, from ``queries.visit_figures`` (its whole-area row),
    ``demand_figures`` and ``roster_figures``."""
    v = next(row for row in visits if row["township"] is None)
    d = add_up(demands).get(None, {})
    roster_size = sum(row["roster"] for row in roster)
    closed, assigned = d.get("closed", 0), d.get("assigned", 0)
    return {
        "visits": v["visits"],
        "talents_visited": v["talents_visited"],
        "roster_size": roster_size,
        "covered": v["covered"],
        "coverage_rate": rate(v["covered"], roster_size),
        "demands_collected": d.get("collected", 0),
        "resolved_on_site": d.get("resolved_on_site", 0),
        "assigned_this_week": d.get("assigned_this_week", 0),
        "closed_this_week": d.get("closed_this_week", 0),
        "assigned": assigned,
        "closed": closed,
        "closure_rate": rate(closed, assigned),
        "closed_on_time": d.get("closed_on_time", 0),
        "on_time_rate": rate(d.get("closed_on_time", 0), closed),
        "overdue": d.get("overdue", 0),
        "satisfaction_rate": rate(d.get("pleased", 0), d.get("rated", 0)),
    }


def overview_section(o: Mapping[str, Any]) -> Section:
    """一、总体情况: the overview figures as rows of label, value, rate."""
    return Section(
        key="overview",
        title="一、总体情况",
        headers=["指标", "数值", "比率"],
        rows=[
            ["本周走访人次", o["visits"], None],
            ["本周走访人才数（去重）", o["talents_visited"], None],
            ["人才名单人数", o["roster_size"], None],
            ["累计覆盖人才（覆盖率）", o["covered"], o["coverage_rate"]],
            ["本周收集诉求", o["demands_collected"], None],
            [
                "其中当场解决",
                o["resolved_on_site"],
                rate(o["resolved_on_site"], o["demands_collected"]),
            ],
            ["本周交办", o["assigned_this_week"], None],
            ["本周办结", o["closed_this_week"], None],
            ["累计交办", o["assigned"], None],
            ["累计办结（办结率）", o["closed"], o["closure_rate"]],
            ["按时办结（按时率）", o["closed_on_time"], o["on_time_rate"]],
            ["超期未办结", o["overdue"], None],
            ["回访满意率", None, o["satisfaction_rate"]],
        ],
        percent_columns=[2],
    )


def township_section(
    townships: Sequence[Counts],
    visits: Sequence[Counts],
    demands: Sequence[Counts],
    roster: Sequence[Counts],
) -> Section:
    """二、分镇街情况: a row per township (``name``, ``path``), in pinyin order, from the
    township rows of ``queries.visit_figures``, ``demand_figures`` and ``roster_figures``; a
    township nothing counted in has zeros."""
    visited = {row["township"]: row for row in visits if row["township"] is not None}
    raised = add_up(demands, by="township")
    listed = add_up(roster, by="township")
    rows = []
    for town in sorted(townships, key=lambda t: _by_name(t["name"])):
        path = town["path"]
        size = listed.get(path, {}).get("roster", 0)
        v = visited.get(path, {})
        d = raised.get(path, {})
        covered, assigned, closed = v.get("covered", 0), d.get("assigned", 0), d.get("closed", 0)
        rows.append(
            [
                town["name"],
                size,
                v.get("visits", 0),
                v.get("talents_visited", 0),
                covered,
                rate(covered, size),
                d.get("collected", 0),
                d.get("resolved_on_site", 0),
                assigned,
                closed,
                rate(closed, assigned),
                d.get("overdue", 0),
            ]
        )
    return Section(
        key="by_township",
        title="二、分镇街情况",
        headers=[
            "镇街",
            "名单人数",
            "本周走访人次",
            "本周走访人数",
            "累计覆盖人数",
            "覆盖率",
            "本周收集诉求",
            "当场解决",
            "累计交办",
            "累计办结",
            "办结率",
            "超期",
        ],
        rows=rows,
        percent_columns=[5, 10],
    )


def handler_section(demands: Sequence[Counts]) -> Section:
    """三、承办单位办理情况: a row per handler unit with demands assigned, from
    ``queries.demand_figures``."""
    handlers = {name: h for name, h in add_up(demands, by="handler").items() if h["assigned"]}
    rows = []
    for name in sorted(handlers, key=lambda n: _by_name(n or NO_HANDLER)):
        h = handlers[name]
        closed, on_time = h["closed"], h["closed_on_time"]
        rows.append(
            [
                name or NO_HANDLER,
                h["assigned"],
                h["assigned_this_week"],
                on_time,
                closed - on_time,
                h["assigned"] - closed,
                h["overdue"],
                rate(closed, h["assigned"]),
                rate(on_time, closed),
                h["unsatisfied_assigned"],
            ]
        )
    return Section(
        key="by_handler",
        title="三、承办单位办理情况",
        headers=[
            "承办单位",
            "累计交办",
            "本周交办",
            "按时办结",
            "超时办结",
            "未办结",
            "超期",
            "办结率",
            "按时率",
            "不满意",
        ],
        rows=rows,
        percent_columns=[7, 8],
    )


def visitor_section(visitors: Sequence[Counts]) -> Section:
    """四、走访人工作量: workload only, sorted by name and never ranked (the 2026 rules on
    government apps), from ``queries.by_visitor``."""
    rows = [
        [p["name"], p["unit"], p["visits"], p["submitted"], p["returned"], p["pending"]]
        for p in sorted(visitors, key=lambda p: _by_name(p["name"]))
    ]
    return Section(
        key="by_visitor",
        title="四、走访人工作量（按姓名排序，不排名）",
        headers=["走访人", "单位", "本周走访（已审核）", "本周提交", "本周被退回", "待审核"],
        rows=rows,
    )


def category_section(demands: Sequence[Counts]) -> Section:
    """五、诉求分类: count, share and solved per category, the largest first, from
    ``queries.demand_figures``."""
    categories = add_up(demands, by="category")
    total = sum(c["demands"] for c in categories.values())
    rows = [
        [
            labels.label(labels.DEMAND_CATEGORY, name),
            c["demands"],
            rate(c["demands"], total),
            c["solved"],
        ]
        for name, c in sorted(categories.items(), key=lambda kv: (-kv[1]["demands"], kv[0]))
    ]
    return Section(
        key="by_category",
        title="五、诉求分类（活动开始至今）",
        headers=["诉求分类", "件数", "占比", "已解决（含当场解决）"],
        rows=rows,
        percent_columns=[2],
    )


def overdue_section(overdue: Sequence[Counts], as_of: dt.date) -> Section:
    """六、超期诉求清单: the overdue demands in the order given (by due date), talents masked."""
    rows = [
        [
            number,
            mask_name(d["talent_name"]),
            d["description"][:40],
            d["handler_name"] or "",
            county_day(d["assigned_at"]),
            d["due_date"],
            (as_of - d["due_date"]).days,
            labels.label(labels.DEMAND_STATUS, d["status"]),
            len(json_load(d["escalations"]) or []),
        ]
        for number, d in enumerate(overdue, start=1)
    ]
    return Section(
        key="overdue",
        title="六、超期诉求清单",
        headers=[
            "序号",
            "人才",
            "诉求摘要",
            "承办单位",
            "交办日期",
            "办理时限",
            "超期天数",
            "状态",
            "督办次数",
        ],
        rows=rows,
    )


def inspection_section(counts: Counts) -> Section:
    """七、党群服务中心检查, from ``queries.inspection_counts``."""
    average = counts["average_score"]
    return Section(
        key="inspections",
        title="七、党群服务中心检查",
        headers=["本周检查阵地数", "平均得分", "本周发现问题", "其中已整改销号", "累计超期未整改"],
        rows=[
            [
                counts["centres"],
                round(float(average), 1) if average is not None else None,
                counts["found"],
                counts["found_accepted"],
                counts["overdue"],
            ]
        ],
    )
