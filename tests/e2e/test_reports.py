"""周报 in the browser: a supervisor reads last week's summary and saves it as Excel and CSV
files that open as such; field staff cannot reach it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import openpyxl
import pytest
from playwright.sync_api import BrowserContext, expect

from server.db import SHANGHAI
from server.demo import DEMO_PASSWORD
from tests.e2e.test_foundation import sign_in
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser


def test_a_supervisor_reads_and_exports_last_week(
    phones: Callable[..., BrowserContext], live_server: LiveServer, tmp_path: Path
) -> None:
    last_week = dt.datetime.now(SHANGHAI).date() - dt.timedelta(days=7)
    year, number, _ = last_week.isocalendar()
    week = f"{year}-W{number:02d}"

    page = phones().new_page()
    sign_in(page, "zhaoli")
    expect(page.get_by_test_id("greeting")).to_contain_text("赵丽", timeout=15_000)
    page.get_by_test_id("tile-reports").click()
    expect(page.get_by_test_id("week-label")).to_contain_text(f"{year}年第{number}周")
    expect(page.get_by_test_id("report-scope")).to_contain_text("清源县", timeout=15_000)
    # The figures on screen are the server's for that week.
    token = httpx.post(
        f"{live_server.url}/api/auth/login",
        json={"username": "zhaoli", "password": DEMO_PASSWORD, "device_id": "e2e-reports"},
    ).json()["token"]
    summary = httpx.get(
        f"{live_server.url}/api/reports/weekly",
        params={"week": week},
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    expect(page.get_by_test_id("report-figure").first).to_contain_text(
        str(summary["overview"]["visits"])
    )
    expect(page.locator("[data-section='by_township'] tbody tr")).to_have_count(4)

    with page.expect_download() as saving:
        page.get_by_test_id("export-xlsx").click()
    download = saving.value
    assert download.suggested_filename == f"周报-{week}-清源县.xlsx"
    saved = tmp_path / "weekly.xlsx"
    download.save_as(saved)
    book = openpyxl.load_workbook(saved)
    assert book.sheetnames[:3] == ["说明", "总体情况", "分镇街情况"]
    assert str(book["说明"]["A1"].value).startswith("清源县 走访工作周报")
    overview = {row[0].value: row[1].value for row in book["总体情况"].iter_rows(min_row=4)}
    assert overview["本周走访人次"] == summary["overview"]["visits"]

    with page.expect_download() as saving:
        page.get_by_test_id("export-csv").click()
    csv_file = tmp_path / "weekly.csv"
    saving.value.save_as(csv_file)
    assert csv_file.read_bytes().startswith("\ufeff清源县 走访工作周报".encode())

    # The week before, on a tap.
    page.get_by_test_id("week-before").click()
    before = last_week - dt.timedelta(days=7)
    expect(page.get_by_test_id("week-label")).to_contain_text(f"第{before.isocalendar()[1]}周")


def test_field_staff_have_no_weekly_summary(phones: Callable[..., BrowserContext]) -> None:
    page = phones().new_page()
    sign_in(page, "zhangsan")
    expect(page.get_by_test_id("greeting")).to_contain_text("张三", timeout=15_000)
    expect(page.get_by_test_id("tile-reports")).to_have_count(0)
    page.goto("/reports")
    expect(page).to_have_url(re.compile(r"/$"))
