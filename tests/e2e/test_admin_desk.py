"""A real county from nothing, in a desktop browser at 1440×900: ``zoufang init`` on an empty
database, the first admin signs in with the one-time password and must set their own, opens
the desk, creates two townships and a user, and reads the one-time password shown once."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.live import ROOT, LiveServer, free_port

pytestmark = pytest.mark.browser

DESK = {"width": 1440, "height": 900}


@pytest.fixture
def empty_county() -> Iterator[tuple[LiveServer, str]]:
    """A server on an empty database set up by ``zoufang init`` alone (no demo data); yields it
    and the admin's one-time password as init printed it."""
    data_dir = Path(tempfile.mkdtemp(prefix="zoufang-init-"))
    server = LiveServer(data_dir, free_port())
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "server.cli",
            "init",
            "--county",
            "青石县",
            "--admin",
            "root",
            "--display-name",
            "系统管理员",
        ],
        env=server.env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    found = re.search(r"one-time password for root: (\S+)", done.stdout)
    assert found, done.stdout
    again = subprocess.run(
        [sys.executable, "-m", "server.cli", "init", "--county", "x", "--admin", "y"],
        env=server.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert again.returncode != 0 and "init refused" in again.stderr
    server.start()
    yield server, found.group(1)
    server.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


def _sign_in(page: Page, url: str, username: str, password: str) -> None:
    page.goto(url + "/")
    page.get_by_placeholder("请输入用户名").fill(username)
    page.get_by_placeholder("请输入密码").fill(password)
    page.get_by_role("button", name="登录").click()


def _create_unit(page: Page, name: str) -> None:
    page.get_by_role("button", name="新建单位").click()
    dialog = page.get_by_role("dialog", name="新建单位")
    dialog.locator("select[name=parent_id]").select_option(label="青石县")
    dialog.locator("select[name=kind]").select_option("township")
    dialog.locator("input[name=name]").fill(name)
    dialog.get_by_role("button", name="创建").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("table", name="组织机构")).to_contain_text(name)


def test_init_then_the_first_admin_sets_up_the_county(
    browser: Browser, empty_county: tuple[LiveServer, str], tmp_path: Path
) -> None:
    server, one_time = empty_county
    context = browser.new_context(viewport=DESK, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    _sign_in(page, server.url, "root", one_time)
    # The one-time password is changed before anything else.
    expect(page.get_by_text("管理员为您重置了密码")).to_be_visible(timeout=15_000)
    page.locator("input[name=current_password]").fill(one_time)
    page.locator("input[name=new_password]").fill("qingshi-2026")
    page.locator("input[name=repeat]").fill("qingshi-2026")
    page.get_by_role("button", name="确认修改").click()
    page.wait_for_url(server.url + "/")
    page.goto(server.url + "/desk")
    expect(page.get_by_role("heading", name="组织机构")).to_be_visible(timeout=15_000)
    expect(page.get_by_role("table", name="组织机构")).to_contain_text("青石县")

    _create_unit(page, "青山镇")
    _create_unit(page, "石桥镇")
    # A name already used under the same parent is refused next to the field, nothing written.
    page.get_by_role("button", name="新建单位").click()
    dialog = page.get_by_role("dialog", name="新建单位")
    dialog.locator("select[name=parent_id]").select_option(label="青石县")
    dialog.locator("input[name=name]").fill("青山镇")
    dialog.get_by_role("button", name="创建").click()
    expect(dialog.get_by_text("同一上级下已有同名单位")).to_be_visible()
    page.screenshot(path=str(tmp_path / "desk-units-error.png"))
    dialog.get_by_role("button", name="取消").click()

    page.get_by_role("link", name="用户管理").click()
    expect(page.get_by_role("heading", name="用户管理")).to_be_visible()
    page.get_by_role("button", name="新建用户").click()
    dialog = page.get_by_role("dialog", name="新建用户")
    dialog.locator("input[name=username]").fill("qianliu")
    dialog.locator("input[name=display_name]").fill("钱六")
    dialog.locator("select[name=org_unit_id]").select_option(label="　青山镇")
    dialog.get_by_role("button", name="创建").click()
    otp = page.get_by_test_id("one-time-password")
    expect(otp).to_have_text(re.compile(r"^[a-z2-9]{10}$"))
    page.screenshot(path=str(tmp_path / "desk-users-otp.png"))
    page.get_by_role("button", name="我已记下").click()
    expect(page.get_by_role("table", name="用户")).to_contain_text("钱六")
    expect(page.get_by_role("table", name="用户")).to_contain_text("青山镇")
    context.close()
