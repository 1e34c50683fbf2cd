"""Stored weekly summaries: the Monday job stores one per reviewer's unit however many
schedulers poll, retries only what failed; reviewers list, generate and download them (audited,
within their subtree); the stored XLSX and DOCX carry the figures by value."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import httpx
import pytest

from server.accounts import repository as accounts
from server.audit.tables import AuditLog
from server.db import SHANGHAI, json_load
from server.demo import DEMO_PASSWORD, demo_id
from server.jobs import Scheduler
from server.jobs import repository as runs
from server.reports import history, word
from server.reports.service import iso_week
from server.reports.tables import StoredReport
from tests.api.test_reports import WEEK, _county_week, _day


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def _next_monday_at_eight() -> dt.datetime:
    """08:00 county time on the Monday after WEEK: when WEEK's summaries are due."""
    return dt.datetime.combine(_day(7), dt.time(8, 0), SHANGHAI).astimezone(dt.UTC)


async def _township_supervisor() -> None:
    await accounts.create_user("chenjun", DEMO_PASSWORD, "陈军", "supervisor", demo_id("城关镇"))


async def _stored() -> list[dict[str, Any]]:
    return await StoredReport.select(
        StoredReport.org_unit.name.as_alias("unit"),
        StoredReport.period,
        StoredReport.generated_by,
        StoredReport.figures,
    ).order_by(StoredReport.org_unit.path)


async def test_the_monday_job_stores_each_reviewers_unit_once(client: httpx.AsyncClient) -> None:
    await _county_week()
    await _township_supervisor()
    clock = Clock(_next_monday_at_eight())
    job = history.weekly_job(0, dt.time(8, 0))
    schedulers = [Scheduler([job], clock=clock) for _ in range(4)]
    started = await asyncio.gather(*(s.tick() for s in schedulers))
    tasks = [task for ticked in started for task in ticked]
    await asyncio.gather(*tasks)
    assert len(tasks) == 1
    # Later polls of the week, by any process, store nothing more.
    clock.now += dt.timedelta(hours=5)
    assert [await s.tick() for s in schedulers] == [[]] * 4

    stored = await _stored()
    assert [(r["unit"], r["period"], r["generated_by"]) for r in stored] == [
        ("清源县", WEEK, None),
        ("城关镇", WEEK, None),
    ]
    county = json_load(stored[0]["figures"])
    assert (county["overview"]["visits"], county["overview"]["overdue"]) == (3, 1)
    assert json_load(stored[1]["figures"])["overview"]["roster_size"] == 50
    run = await runs.find("reports.weekly", iso_week(_day(7)))
    assert run is not None and (run["state"], run["attempts"]) == ("done", 1)
    assert await AuditLog.count().where(AuditLog.action == "report.generate") == 2


async def test_a_failed_unit_is_retried_alone(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _township_supervisor()

    def flaky(summary: Any) -> bytes:
        if summary.unit_name == "城关镇":
            raise OSError("disk full")
        return word.to_docx(summary)

    monkeypatch.setitem(history._WRITERS, "docx", flaky)
    clock = Clock(_next_monday_at_eight())
    scheduler = Scheduler([history.weekly_job(0, dt.time(8, 0))], clock=clock)
    await asyncio.gather(*await scheduler.tick())
    assert [r["unit"] for r in await _stored()] == ["清源县"]
    run = await runs.find("reports.weekly", iso_week(_day(7)))
    assert run is not None and run["state"] == "retrying"
    assert "城关镇" in run["last_error"]

    monkeypatch.setitem(history._WRITERS, "docx", word.to_docx)
    clock.now += dt.timedelta(hours=2)  # past the backoff
    await asyncio.gather(*await scheduler.tick())
    assert [r["unit"] for r in await _stored()] == ["清源县", "城关镇"]
    run = await runs.find("reports.weekly", iso_week(_day(7)))
    assert run is not None and (run["state"], run["attempts"]) == ("done", 2)
