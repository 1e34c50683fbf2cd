"""Stored weekly summaries: the Monday job stores one per reviewer's unit however many
schedulers poll, retries only what failed; reviewers list, generate and download them (audited,
within their subtree); the stored XLSX and DOCX carry the figures by value."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from typing import Any

import docx
import httpx
import openpyxl
import pytest

from server.accounts import repository as accounts
from server.audit.tables import AuditLog
from server.db import SHANGHAI, json_load
from server.demands.tables import Demand
from server.demo import DEMO_PASSWORD, demo_id
from server.jobs import Scheduler
from server.jobs import repository as runs
from server.reports import history, word
from server.reports.service import iso_week
from server.reports.tables import StoredReport
from tests.api.test_reports import WEEK, _county_week, _day
from tests.support.client import login


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


@pytest.mark.commits  # schedulers poll at once, each on its own connection
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


@pytest.mark.commits
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


async def test_reviewers_store_list_and_download_within_their_subtree(
    client: httpx.AsyncClient,
) -> None:
    known = await _county_week()
    # What a talent or staff member typed is never a formula, nor a character Word refuses.
    await Demand.update({Demand.description: '=HYPERLINK("http://x")\x07'}).where(
        Demand.status == "assigned"
    )
    await _township_supervisor()
    boss = await login(client, "zhaoli")
    made = await client.post("/api/reports/history", json={"week": WEEK}, headers=boss)
    assert made.status_code == 201, made.text
    report = made.json()
    assert (report["unit_name"], report["period"], report["generated_by"]) == (
        "清源县",
        WEEK,
        "赵丽",
    )
    assert report["overview"]["visits"] == 3

    listed = (await client.get("/api/reports/history", headers=boss)).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == report["id"]

    xlsx = await client.get(f"/api/reports/history/{report['id']}/xlsx", headers=boss)
    assert xlsx.status_code == 200, xlsx.text
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    rows = {r[0].value: r for r in book["总体情况"].iter_rows(min_row=4)}
    assert (rows["本周走访人次"][1].value, rows["超期未办结"][1].value) == (3, 1)
    assert rows["累计办结（办结率）"][2].value == 0.5
    late = book["超期诉求清单"]
    assert late.cell(row=4, column=3).value == '=HYPERLINK("http://x")'
    assert late.cell(row=4, column=3).data_type == "s"
    assert book["总体情况"].print_title_rows == "$3:$3"

    word_file = await client.get(f"/api/reports/history/{report['id']}/docx", headers=boss)
    assert word_file.status_code == 200
    assert word_file.headers["content-type"] == word.DOCX_TYPE
    document = docx.Document(io.BytesIO(word_file.content))
    texts = [p.text for p in document.paragraphs]
    assert texts[0].startswith(f"清源县 走访工作周报 {WEEK[:4]}年第")
    assert "本周共走访人才3人次，涉及人才3人" in texts[2]
    assert "办结率50.0%" in texts[2] and "超期未办结1件" in texts[2]
    overdue = document.tables[5]
    masked = known["overdue_talent"][0] + "*" * (len(known["overdue_talent"]) - 1)
    assert [c.text for c in overdue.rows[1].cells][1:3] == [masked, '=HYPERLINK("http://x")']

    csv_file = await client.get(f"/api/reports/history/{report['id']}/csv", headers=boss)
    assert "'=HYPERLINK" in csv_file.content.decode("utf-8-sig")

    downloads = await AuditLog.select(AuditLog.details).where(AuditLog.action == "report.download")
    assert sorted(json_load(a["details"])["format"] for a in downloads) == ["csv", "docx", "xlsx"]
    assert await AuditLog.count().where(AuditLog.action == "report.generate") == 1

    # A township's supervisor sees only their subtree: not the county's summary.
    township = await login(client, "chenjun")
    assert (await client.get("/api/reports/history", headers=township)).json()["total"] == 0
    hidden = await client.get(f"/api/reports/history/{report['id']}/xlsx", headers=township)
    assert hidden.status_code == 404
    staff = await login(client, "zhangsan")
    assert (await client.get("/api/reports/history", headers=staff)).status_code == 403
    refused = await client.post("/api/reports/history", json={"week": WEEK}, headers=staff)
    assert refused.status_code == 403
    for body, code in (
        ({"week": "2099-W01"}, "report.future_week"),
        ({"week": "x"}, "report.invalid_week"),
    ):
        bad = await client.post("/api/reports/history", json=body, headers=boss)
        assert (bad.status_code, bad.json()["code"]) == (400, code)
    wrong = await client.get(f"/api/reports/history/{report['id']}/pdf", headers=boss)
    assert wrong.status_code == 400
    assert await StoredReport.count() == 1
