"""The foundation, as a person on a phone meets it: sign in, go offline, reload, still there."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, LiveServer

pytestmark = pytest.mark.browser


def sign_in(page: Page, username: str = "zhangsan", password: str = "demo1234") -> None:
    page.goto("/")
    page.get_by_placeholder("请输入用户名").fill(username)
    page.get_by_placeholder("请输入密码").fill(password)
    page.get_by_role("button", name="登录").click()


def wait_for_service_worker(page: Page) -> None:
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=15_000)


def test_sign_in_then_offline_reload_keeps_home(page: Page, context: BrowserContext) -> None:
    sign_in(page)
    expect(page.get_by_test_id("greeting")).to_contain_text("张三", timeout=10_000)
    wait_for_service_worker(page)

    context.set_offline(True)
    page.reload()
    expect(page.get_by_test_id("greeting")).to_contain_text("张三", timeout=10_000)
    # The field tiles are there offline too.
    for tile in ("人才走访", "阵地检查", "人才名单", "待同步"):
        expect(page.get_by_text(tile).first).to_be_visible()
    context.set_offline(False)


def test_wrong_password_shows_chinese_error(page: Page) -> None:
    sign_in(page, password="wrong-password")
    expect(page.get_by_test_id("sign-in-error")).to_contain_text("用户名或密码错误")


def test_sign_out_returns_to_sign_in(page: Page, live_server: LiveServer) -> None:
    sign_in(page, "lisi")
    expect(page.get_by_test_id("greeting")).to_contain_text("李四", timeout=10_000)
    token = page.evaluate(
        """async () => {
            const db = await new Promise((ok, err) => {
                const r = indexedDB.open('zoufang'); r.onsuccess = () => ok(r.result); r.onerror = err;
            });
            return await new Promise((ok) => {
                const q = db.transaction('session').objectStore('session').get('token');
                q.onsuccess = () => ok(q.result);
            });
        }"""
    )
    token = token["value"] if isinstance(token, dict) else token
    assert isinstance(token, str) and token
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{live_server.url}/api/me", headers=headers).status_code == 200

    page.goto("/account")
    page.get_by_role("button", name="退出登录").click()
    # With nothing unsynced a plain confirmation; the app never deletes the outbox here.
    page.get_by_role("dialog").get_by_role("button", name="确认").click()
    expect(page.get_by_placeholder("请输入用户名")).to_be_visible(timeout=10_000)
    # Signing out revoked the token on the server.
    assert httpx.get(f"{live_server.url}/api/me", headers=headers).status_code == 401


def test_a_handler_is_not_offered_forms_whose_sync_would_be_refused(page: Page) -> None:
    """承办人 (handler) accounts do not record visits or inspections (the server refuses them):
    the home screen offers no such form, and its address leads back home."""
    sign_in(page, "sunqiang")
    expect(page.get_by_test_id("greeting")).to_contain_text("孙强", timeout=10_000)
    expect(page.get_by_test_id("role-note")).to_contain_text("承办人账号不填写走访和检查记录")
    for tile in ("tile-visit", "tile-inspection", "tile-records", "tile-drafts"):
        expect(page.get_by_test_id(tile)).to_have_count(0)
    expect(page.get_by_test_id("tile-rosters")).to_be_visible()
    page.goto("/visits/new")
    expect(page).to_have_url(re.compile(r"^https?://[^/]+/$"), timeout=10_000)
    expect(page.get_by_test_id("greeting")).to_be_visible()
    expect(page.get_by_test_id("visit-form")).to_have_count(0)


def test_static_caching_rules(live_server: LiveServer) -> None:
    index = httpx.get(f"{live_server.url}/")
    assert index.status_code == 200 and index.headers["cache-control"] == "no-cache"
    assert httpx.get(f"{live_server.url}/sw.js").headers["cache-control"] == "no-cache"
    manifest = httpx.get(f"{live_server.url}/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    assert json.loads(manifest.text)["lang"] == "zh-CN"
    asset = next(Path("web/dist/assets").glob("*.js")).name
    response = httpx.get(f"{live_server.url}/assets/{asset}")
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    # A client route falls back to the app shell; a missing asset does not.
    assert '<div id="app"' in httpx.get(f"{live_server.url}/outbox").text
    assert httpx.get(f"{live_server.url}/assets/missing-0000.js").status_code == 404
    assert httpx.get(f"{live_server.url}/api/nothing").json()["code"] == "not_found"


def test_installable(playwright: Playwright, live_server: LiveServer, tmp_path: Path) -> None:
    """Chromium's own installability check (needs a persistent, non-incognito profile)."""
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        bypass_csp=True,
        **PHONE,
    )
    try:
        page = context.new_page()
        page.goto(live_server.url)
        wait_for_service_worker(page)
        cdp = context.new_cdp_session(page)
        result = cdp.send("Page.getInstallabilityErrors")
        assert result["installabilityErrors"] == []
        manifest = cdp.send("Page.getAppManifest")
        assert not manifest.get("errors")
    finally:
        context.close()


def test_app_runs_under_its_csp(browser: Browser, live_server: LiveServer) -> None:
    """No Content-Security-Policy violation while signing in and moving between screens."""
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        violations: list[str] = []
        page.on(
            "console",
            lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.goto(live_server.url)
        page.get_by_placeholder("请输入用户名").fill("wangwu")
        page.get_by_placeholder("请输入密码").fill("demo1234")
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_test_id("greeting")).to_contain_text("王五", timeout=10_000)
        page.get_by_role("tab", name="我的").click()
        expect(page.get_by_role("button", name="退出登录")).to_be_visible()
        assert violations == []
    finally:
        context.close()
