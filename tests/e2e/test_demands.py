"""诉求 in the browser: a demand raised on a visit goes round the loop on three phones (the
supervisor assigns it, the handler unit replies, the supervisor calls back and closes it out),
a step taken on an out-of-date screen is refused and the screen reloads, and the visitor's own
phone pulls each new status."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from server.db import SHANGHAI
from server.demo import DEMO_PASSWORD, demo_id
from tests.e2e.test_foundation import sign_in
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser


def submitted_visit_with_demand(live_server: LiveServer) -> tuple[str, str]:
    """A visit by 李四 with one demand, pushed and submitted as his phone would: (visit, demand).
    (李四, not 张三: the field-app tests count 张三's records on the same server.)"""
    device = f"e2e-demands-{uuid.uuid4()}"
    token = httpx.post(
        f"{live_server.url}/api/auth/login",
        json={"username": "lisi", "password": DEMO_PASSWORD, "device_id": device},
    ).json()["token"]
    visit_id, demand_id = str(uuid.uuid4()), str(uuid.uuid4())
    visit = {
        "id": visit_id,
        "campaign_id": str(demo_id("campaign/sssw")),
        "talent_id": str(demo_id("talent/1")),  # 东湖街道's
        "visited_on": dt.datetime.now(SHANGHAI).date().isoformat(),  # in the demo campaign
        "mode": "in_person",
        "visitors": ["李四"],
        "asks": {"needs": "孩子明年上小学"},
        "demands": [
            {
                "id": demand_id,
                "ask_key": "needs",
                "category": "school_enrolment",
                "description": "子女就近入学",
            }
        ],
    }
    body = {
        "protocol_version": "1.0",
        "device_id": device,
        "mutations": [
            {
                "op": "visit.put",
                "mutation_id": str(uuid.uuid4()),
                "seq": 1,
                "base_version": 0,
                "visit": visit,
            },
            {"op": "visit.submit", "mutation_id": str(uuid.uuid4()), "seq": 2, "id": visit_id},
        ],
    }
    reply = httpx.post(
        f"{live_server.url}/api/sync/push", json=body, headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert [r["status"] for r in reply["results"]] == ["applied", "applied"], reply
    return visit_id, demand_id


def signed_in(phones: Callable[..., BrowserContext], username: str, name: str) -> Page:
    page = phones().new_page()
    sign_in(page, username)
    expect(page.get_by_test_id("greeting")).to_contain_text(name, timeout=15_000)
    return page


def open_demand(page: Page, demand_id: str) -> None:
    page.get_by_test_id("tile-demands").click()
    row = page.locator(f"[data-demand='{demand_id}']")
    expect(row).to_be_visible(timeout=15_000)
    row.click()
    expect(page.get_by_test_id("demand-description")).to_contain_text("子女就近入学")


def take(page: Page, step: str, note: str = "") -> None:
    page.get_by_test_id(f"step-{step}").click()
    if note:
        page.get_by_test_id("step-note").locator("textarea").fill(note)
    page.get_by_test_id("step-send").click()


def test_a_demand_goes_round_the_loop_on_three_phones(
    phones: Callable[..., BrowserContext], live_server: LiveServer
) -> None:
    visit_id, demand_id = submitted_visit_with_demand(live_server)

    boss = signed_in(phones, "zhaoli", "赵丽")
    expect(boss.get_by_test_id("tile-demands")).to_be_visible()
    open_demand(boss, demand_id)
    expect(boss.get_by_test_id("demand-status")).to_have_text("已受理")
    # 交办: a handler unit and a due date (seven working days ahead by default) are required.
    boss.get_by_test_id("step-assign").click()
    boss.get_by_test_id("step-send").click()
    expect(boss.get_by_test_id("step-problem")).to_have_text("请选择承办单位")
    boss.get_by_test_id("step-unit").click()
    boss.locator(".van-action-sheet").get_by_text("县教育局", exact=True).click()
    due = boss.get_by_test_id("step-due")
    default_due = dt.date.fromisoformat(due.input_value())
    today = dt.datetime.now(SHANGHAI).date()
    assert 9 <= (default_due - today).days <= 11  # 7 working days, with the weekends between
    boss.get_by_test_id("step-note").locator("textarea").fill("请教育局协调学位")
    boss.get_by_test_id("step-send").click()
    expect(boss.get_by_test_id("demand-status")).to_have_text("已交办", timeout=10_000)
    expect(boss.get_by_test_id("demand-handler")).to_have_text(re.compile("县教育局"))

    # It went to 县教育局: the demo handler, of 县人社局, does not see it. 教育局 has no account
    # here, so the supervisor records its reply for it (reviewers may).
    handler = signed_in(phones, "sunqiang", "孙强")
    handler.get_by_test_id("tile-demands").click()
    expect(handler.get_by_test_id("demands-empty")).to_be_visible(timeout=15_000)

    # A second screen of the supervisor's, opened now, falls behind once the first one acts.
    stale = boss.context.new_page()
    stale.goto(f"/demands/{demand_id}")
    expect(stale.get_by_test_id("demand-status")).to_have_text("已交办", timeout=15_000)
    take(boss, "reply", "已协调县第一小学，下学期入学")
    expect(boss.get_by_test_id("demand-status")).to_have_text("已答复", timeout=10_000)
    take(stale, "escalate", "请尽快办理")
    expect(stale.get_by_test_id("demand-status")).to_have_text("已答复", timeout=10_000)
    expect(stale.get_by_test_id("step-escalate")).to_have_count(0)  # not open after a reply

    # 回访 by the supervisor, with the talent's satisfaction; then 办结销号.
    boss.get_by_test_id("step-revisit").click()
    boss.get_by_test_id("step-send").click()
    expect(boss.get_by_test_id("step-problem")).to_have_text("请选择满意度")
    boss.get_by_test_id("step-satisfaction").get_by_text("满意", exact=True).click()
    boss.get_by_test_id("step-send").click()
    expect(boss.get_by_test_id("demand-status")).to_have_text("已回访", timeout=10_000)
    take(boss, "close_out")
    expect(boss.get_by_test_id("demand-status")).to_have_text("已办结", timeout=10_000)
    steps = boss.get_by_test_id("demand-event")
    expect(steps).to_have_count(5)  # received, assign, reply, revisit, close_out: no escalation
    expect(steps.nth(1)).to_contain_text("请教育局协调学位")
    expect(steps.nth(3)).to_contain_text("满意度：满意")

    # The visitor's phone pulls the closed demand onto his record.
    visitor = signed_in(phones, "lisi", "李四")
    visitor.goto(f"/records/visit/{visit_id}")
    expect(visitor.get_by_test_id("record-demand")).to_contain_text("已办结", timeout=30_000)


def test_the_handler_unit_replies_from_its_own_phone(
    phones: Callable[..., BrowserContext], live_server: LiveServer
) -> None:
    _, demand_id = submitted_visit_with_demand(live_server)
    boss_token = httpx.post(
        f"{live_server.url}/api/auth/login",
        json={"username": "zhaoli", "password": DEMO_PASSWORD, "device_id": "e2e-boss-api"},
    ).json()["token"]
    due = (dt.datetime.now(SHANGHAI).date() + dt.timedelta(days=10)).isoformat()
    assigned = httpx.post(
        f"{live_server.url}/api/demands/{demand_id}/actions",
        json={
            "action": "assign",
            "version": 1,
            "handler_unit_id": str(demo_id("县人力资源和社会保障局")),
            "due_date": due,
        },
        headers={"Authorization": f"Bearer {boss_token}"},
    )
    assert assigned.status_code == 200, assigned.text

    handler = signed_in(phones, "sunqiang", "孙强")
    # Handlers record nothing, but they follow their demands; the tile counts what waits.
    expect(handler.get_by_test_id("tile-visit")).to_have_count(0)
    expect(handler.get_by_test_id("tile-demands")).to_have_text(
        re.compile(r"^\s*[1-9]\d*\s*诉求办理\s*$"), timeout=15_000
    )
    open_demand(handler, demand_id)
    # A reply needs its content.
    handler.get_by_test_id("step-reply").click()
    handler.get_by_test_id("step-send").click()
    expect(handler.get_by_test_id("step-problem")).to_have_text("请填写答复内容")
    handler.get_by_test_id("step-note").locator("textarea").fill("已落实学位")
    handler.get_by_test_id("step-send").click()
    expect(handler.get_by_test_id("demand-status")).to_have_text("已答复", timeout=10_000)
    # Nothing is left for the handler to do on it; the reviewer's steps are not offered.
    expect(handler.get_by_test_id("demand-actions")).to_have_count(0)

    body: dict[str, Any] = httpx.get(
        f"{live_server.url}/api/demands/{demand_id}",
        headers={"Authorization": f"Bearer {boss_token}"},
    ).json()
    assert (body["status"], body["events"][-1]["actor_name"], body["events"][-1]["note"]) == (
        "replied",
        "孙强",
        "已落实学位",
    )
