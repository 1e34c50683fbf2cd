"""The browser sync client against a real server, in headless Chromium on a phone profile,
on SQLite and on PostgreSQL (a fresh database on ZOUFANG_TEST_PG, dropped afterwards).

The records are made through the sync module's public API (window.__zoufang, present only in
a build made with VITE_E2E_HOOK=1, which this module builds into a temporary folder and serves
from its own server process), so these tests prove the engine whatever the screens look like:

(a) offline, three records with photos, a reload, back online: each on the server exactly once,
    photo hashes matching;
(b) an upload cut halfway resumes, and no byte reaches the server twice;
(c) a token revoked in the middle of a sync asks to sign in again and loses nothing: after
    signing in, everything arrives exactly once;
(d) a new version of the app is deployed while records wait in the outbox: the phone takes the
    update, reloads into it, and then delivers every record exactly once;
(e) the server is killed after committing a push but before answering it, then restarted: the
    phone sends the same mutations again and each is applied exactly once.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import itertools
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.e2e.conftest import PHONE, ROOT, LiveServer, free_port

pytestmark = pytest.mark.browser

WEB = ROOT / "web"
T = TypeVar("T")


@pytest.fixture(scope="module")
def hook_dist() -> Iterator[Path]:
    """The production build plus the test hook, in a temporary folder."""
    out = Path(tempfile.mkdtemp(prefix="zoufang-e2e-dist-"))
    npx = shutil.which("npx")
    if npx is None:
        pytest.fail("npx (Node) is needed to build the test bundle")
    subprocess.run(
        [npx, "vite", "build", "--outDir", str(out), "--emptyOutDir", "--logLevel", "error"],
        cwd=WEB,
        env={**os.environ, "VITE_E2E_HOOK": "1"},
        check=True,
    )
    yield out
    shutil.rmtree(out, ignore_errors=True)


PG_ADMIN = os.environ.get("ZOUFANG_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _run_async(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion in its own thread (Playwright's sync API owns this one's loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(main())).result()


def _pg_admin(sql: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(PG_ADMIN)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    _run_async(run)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, hook_dist: Path) -> Iterator[LiveServer]:
    data_dir = Path(tempfile.mkdtemp(prefix="zoufang-e2e-sync-"))
    live = LiveServer(data_dir, free_port())
    live.env["ZOUFANG_WEB_DIST"] = str(hook_dist)
    pg_name = None
    if request.param == "postgresql":
        pg_name = f"zoufang_e2e_{uuid.uuid4().hex[:12]}"
        try:
            _pg_admin(f'CREATE DATABASE "{pg_name}"')
        except OSError as exc:
            pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN}: {exc}")
        live.env["DATABASE_URL"] = f"{PG_ADMIN.rsplit('/', 1)[0]}/{pg_name}"
    live.cli("migrate")
    live.cli("seed-demo")
    live.start()
    yield live
    live.stop()
    shutil.rmtree(data_dir, ignore_errors=True)
    if pg_name:
        _pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


@pytest.fixture
def phone(browser: Browser, server: LiveServer) -> Iterator[BrowserContext]:
    context = browser.new_context(
        base_url=server.url, **PHONE, service_workers="allow", bypass_csp=True
    )
    yield context
    context.close()


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def jpeg(width: int, height: int, seed: int) -> bytes:
    """A real JPEG of noise (so it does not compress to nothing)."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_placeholder("请输入用户名").fill(username)
    page.get_by_placeholder("请输入密码").fill("demo1234")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url, timeout=15_000)


def wait_for_hook(page: Page) -> None:
    page.wait_for_function("window.__zoufang !== undefined", timeout=15_000)


def state(page: Page) -> dict[str, Any]:
    return page.evaluate("window.__zoufang.state()")


def wait_until(predicate: Callable[[], bool], timeout: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def wait_for_first_sync(page: Page) -> dict[str, Any]:
    """Campaigns, a talent, a centre and a template, pulled from the server."""
    wait_for_hook(page)
    config: dict[str, Any] = {}

    def pulled() -> bool:
        config.update(
            page.evaluate(
                """async () => {
                    const z = window.__zoufang
                    const [campaigns, talents, centers, templates] = await Promise.all([
                        z.listCampaigns(), z.listTalents(''), z.listServiceCenters(''), z.listChecklistTemplates()])
                    return {campaigns, talents: talents.slice(0, 3), centers: centers.slice(0, 1), templates}
                }"""
            )
        )
        return bool(
            config["campaigns"] and config["talents"] and config["centers"] and config["templates"]
        )

    wait_until(pulled, what="the first pull")
    return config


def installed_and_synced(phone: BrowserContext, username: str) -> tuple[Page, dict[str, Any]]:
    """A page signed in as ``username``, under the service worker, after the first pull."""
    page = phone.new_page()
    sign_in(page, username)
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=15_000)
    return page, wait_for_first_sync(page)


def talent_campaign(config: dict[str, Any]) -> dict[str, Any]:
    today = time.strftime("%Y-%m-%d")
    for campaign in config["campaigns"]:
        if (
            campaign["target_kind"] == "talent"
            and campaign["starts_on"] <= today <= campaign["ends_on"]
        ):
            return campaign
    raise AssertionError("the demo county has no running talent campaign")


QUEUE_RECORDS = """async ({config, photos, campaign}) => {
    const z = window.__zoufang
    const today = new Date().toISOString().slice(0, 10)
    const bytesOf = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer
    const made = []
    for (let i = 0; i < 2; i++) {
        const id = crypto.randomUUID()
        const ref = await z.savePhoto(id, bytesOf(photos[i]), 'image/jpeg')
        await z.queueVisit({
            id, campaign_id: campaign.id, talent_id: config.talents[i].id, visited_on: today,
            mode: 'in_person', visitors: ['张三'], place: '企业办公室', sends: [campaign.send_items[0].key],
            asks: {[campaign.ask_items[0].key]: '希望解决子女入学'}, notes: `离线走访 ${i}`, photos: [ref.sha256],
            demands: [{id: crypto.randomUUID(), ask_key: campaign.ask_items[0].key, category: 'school_enrolment',
                       description: '子女入学', resolved_on_site: false}],
        }, {submit: true})
        made.push({entity: 'visit', id, sha256: ref.sha256})
    }
    const id = crypto.randomUUID()
    const template = config.templates[0]
    const item = template.items[0]
    const ref = await z.savePhoto(id, bytesOf(photos[2]), 'image/jpeg')
    await z.queueInspection({
        id, service_center_id: config.centers[0].id, template_id: template.id, inspected_on: today,
        notes: '离线检查', photos: [],
        item_results: [{id: crypto.randomUUID(), item_id: item.id, result: 'not_met', score: 0,
                        note: '标识缺失', photos: [ref.sha256]}],
        rectifications: [{id: crypto.randomUUID(), item_id: item.id, issue: '补齐标识',
                          responsible_unit_name: '城关镇', deadline: today}],
    }, {submit: true})
    made.push({entity: 'inspection', id, sha256: ref.sha256})
    return made
}"""


#: What the server's mutation log holds after QUEUE_RECORDS' six mutations (three puts, three
#: submits) arrived: each applied once, in order, nothing else.
APPLIED_ONCE = [
    ("visit.put", 1, "applied"),
    ("visit.submit", 2, "applied"),
    ("visit.put", 3, "applied"),
    ("visit.submit", 4, "applied"),
    ("inspection.put", 5, "applied"),
    ("inspection.submit", 6, "applied"),
]


def queue_records(page: Page, config: dict[str, Any], photos: list[bytes]) -> list[dict[str, Any]]:
    """Two visits and an inspection, a photo each, saved on the phone (QUEUE_RECORDS)."""
    return page.evaluate(
        QUEUE_RECORDS,
        {
            "config": config,
            "photos": [base64.b64encode(p).decode() for p in photos],
            "campaign": talent_campaign(config),
        },
    )


def query(server: LiveServer, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Rows from the server's own database (SQL with ? placeholders, on either engine)."""
    url = server.env["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return [tuple(row) for row in conn.execute(sql, args)]
    numbered = sql
    for i in range(1, len(args) + 1):
        numbered = numbered.replace("?", f"${i}", 1)

    async def run() -> list[tuple[Any, ...]]:
        conn = await asyncpg.connect(url)
        try:
            return [tuple(row) for row in await conn.fetch(numbered, *args)]
        finally:
            await conn.close()

    return _run_async(run)


def count(server: LiveServer, sql: str, *args: Any) -> int:
    return int(query(server, sql, *args)[0][0])


def count_by_id(server: LiveServer, table: str, record_id: str) -> int:
    return count(server, f"SELECT COUNT(*) FROM {table} WHERE CAST(id AS TEXT) = ?", record_id)


def api_token(server: LiveServer, username: str) -> str:
    reply = httpx.post(
        f"{server.url}/api/auth/login",
        json={
            "username": username,
            "password": "demo1234",
            "device_id": f"checker-{username}",
            "device_name": "pytest",
        },
    )
    reply.raise_for_status()
    return str(reply.json()["token"])


def assert_photo_on_server(server: LiveServer, token: str, sha256: str, data: bytes) -> None:
    status = httpx.get(
        f"{server.url}/api/media/{sha256}/status", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert status == {"sha256": sha256, "size": len(data), "received": len(data), "complete": True}
    body = httpx.get(
        f"{server.url}/api/media/{sha256}", headers={"Authorization": f"Bearer {token}"}
    ).content
    assert hashlib.sha256(body).hexdigest() == sha256 == hashlib.sha256(data).hexdigest()


def assert_delivered_once(
    server: LiveServer, username: str, made: list[dict[str, Any]], photos: list[bytes]
) -> None:
    """Each record on the server exactly once, and each photo whole under its hash."""
    for record in made:
        assert count_by_id(server, record["entity"], record["id"]) == 1
    token = api_token(server, username)
    for record, data in zip(made, photos, strict=True):
        assert_photo_on_server(server, token, record["sha256"], data)


def stream_mutations(server: LiveServer, user_id_sql: str) -> list[tuple[str, int, str]]:
    rows = query(
        server,
        "SELECT op, seq, status FROM sync_mutation WHERE stream LIKE ? ORDER BY seq",
        user_id_sql,
    )
    return [(str(op), int(seq), str(status)) for op, seq, status in rows]


def user_id(server: LiveServer, username: str) -> str:
    return str(query(server, "SELECT id FROM app_user WHERE username = ?", username)[0][0])


# ---------------------------------------------------------------------------------------------
# (a) offline, three records with photos, reload, back online
# ---------------------------------------------------------------------------------------------


def test_offline_records_with_photos_arrive_exactly_once(
    phone: BrowserContext, server: LiveServer
) -> None:
    page, config = installed_and_synced(phone, "zhangsan")
    photos = [jpeg(640, 480, seed) for seed in (1, 2, 3)]

    phone.set_offline(True)
    made = queue_records(page, config, photos)
    # Killed tab, offline: the service worker serves the app, IndexedDB kept everything.
    page.reload()
    wait_for_hook(page)
    expect(page.get_by_test_id("unsynced-summary")).to_contain_text(
        "未同步 3 条记录、3 张照片", timeout=10_000
    )
    mine = page.evaluate("window.__zoufang.listMyRecords()")
    assert sorted(r["id"] for r in mine) == sorted(m["id"] for m in made)
    assert {r["sync"] for r in mine} == {"pending"}
    assert {r["status"] for r in mine} == {"submitted"}

    phone.set_offline(False)  # the `online` event starts a sync by itself
    wait_until(lambda: state(page)["pendingCount"] == 0, what="the outbox to empty")
    expect(page.get_by_test_id("unsynced-summary")).to_have_text("全部已同步", timeout=10_000)

    uid = user_id(server, "zhangsan")
    assert_delivered_once(server, "zhangsan", made, photos)
    assert stream_mutations(server, f"{uid}%") == APPLIED_ONCE
    assert count(server, "SELECT COUNT(*) FROM demand") >= 2
    assert count(server, "SELECT COUNT(*) FROM rectification") >= 1
    # The phone now reads them back from the server, synced, photos present.
    wait_until(
        lambda: all(
            r["sync"] == "synced" and r["server"] is not None
            for r in page.evaluate("window.__zoufang.listMyRecords()")
        ),
        what="the pull",
    )


# ---------------------------------------------------------------------------------------------
# (e) the server dies after committing a push, before answering it
# ---------------------------------------------------------------------------------------------


def test_server_killed_after_commit_before_answer_loses_nothing(
    phone: BrowserContext, server: LiveServer
) -> None:
    """The first push reaches the server and is committed; the server is then killed (SIGKILL)
    before its answer leaves, and restarted. The phone never heard back, so it sends the same
    mutations again: they are answered as duplicates, nothing is applied twice or lost."""
    page, config = installed_and_synced(phone, "admin")
    photos = [jpeg(640, 480, seed) for seed in (31, 32, 33)]
    first_push: dict[str, Any] = {}

    def kill_after_commit(route: Route) -> None:
        if first_push:
            route.continue_()
            return
        response = route.fetch()  # the server applies the batch and commits it
        assert response.status == 200, response.text()
        first_push.update(route.request.post_data_json)
        server.stop(signal.SIGKILL)
        route.abort("connectionreset")  # the answer never reaches the phone

    phone.route("**/api/sync/push", kill_after_commit)
    try:
        made = queue_records(page, config, photos)
        for _ in range(150):  # Playwright runs the route handler while the page is waited on
            if first_push:
                break
            page.wait_for_timeout(200)
        assert first_push, "no push reached the server"
        sent = first_push["mutations"]
        entities = {
            (m["op"].split(".")[0], (m.get("visit") or m.get("inspection") or m)["id"])
            for m in sent
        }
        # Committed on the server, still waiting on the phone: the dangerous case.
        for entity, record_id in entities:
            assert count_by_id(server, entity, record_id) == 1
        assert state(page)["pendingCount"] >= len(sent)
    finally:
        if server.process is None:
            server.start()
    page.evaluate("window.__zoufang.runSync()")
    wait_until(lambda: state(page)["pendingCount"] == 0, timeout=60, what="the outbox to empty")

    uid = user_id(server, "admin")
    assert stream_mutations(server, f"{uid}%") == APPLIED_ONCE
    assert_delivered_once(server, "admin", made, photos)


# ---------------------------------------------------------------------------------------------
# (b) an upload cut halfway resumes; no byte arrives twice
# ---------------------------------------------------------------------------------------------


def test_cut_upload_resumes_without_resending_a_byte(
    phone: BrowserContext, server: LiveServer
) -> None:
    page = phone.new_page()
    sign_in(page, "lisi")
    config = wait_for_first_sync(page)
    photo = jpeg(800, 600, seed=7)
    assert len(photo) > 300_000, "the photo must span two upload chunks"
    sha256 = hashlib.sha256(photo).hexdigest()

    arrived: list[tuple[int, int]] = []  # byte ranges that reached the server
    cut = {"done": False}

    def media(route: Route) -> None:
        request = route.request
        if request.method != "PUT":
            route.continue_()
            return
        first, last, total = _content_range(request.headers["content-range"])
        body = request.post_data_buffer or b""
        assert len(body) == last - first + 1
        if not cut["done"] and first == 0:
            # The connection breaks halfway through the body: the server stores what arrived.
            cut["done"] = True
            half = len(body) // 2
            headers = {**request.all_headers(), "content-range": f"bytes 0-{half - 1}/{total}"}
            headers.pop("content-length", None)
            route.fetch(post_data=body[:half], headers=headers)
            arrived.append((0, half))
            route.abort("connectionreset")
            return
        arrived.append((first, last + 1))
        route.continue_()

    phone.route("**/api/media/*", media)
    ref = page.evaluate(
        """async ({b64, campaign, talent}) => {
            const z = window.__zoufang
            const id = crypto.randomUUID()
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer
            const ref = await z.savePhoto(id, bytes, 'image/jpeg')  // starts uploading at once
            await z.queueVisit({id, campaign_id: campaign.id, talent_id: talent.id,
                visited_on: new Date().toISOString().slice(0, 10), mode: 'phone', photos: [ref.sha256]},
                {submit: true})
            return {...ref, id}
        }""",
        {
            "b64": base64.b64encode(photo).decode(),
            "campaign": talent_campaign(config),
            "talent": config["talents"][0],
        },
    )
    assert ref["sha256"] == sha256

    token = api_token(server, "lisi")
    # The first attempt fails; the back-off retry (a second or two) resumes from `received`.
    wait_until(lambda: state(page)["pendingCount"] == 0, timeout=60, what="the upload to finish")
    assert cut["done"]
    assert_photo_on_server(server, token, sha256, photo)
    ranges = sorted(arrived)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(photo)
    for (_, end), (start, _) in itertools.pairwise(ranges):
        assert start == end, f"bytes {start}..{end} sent twice or skipped: {ranges}"
    assert sum(end - start for start, end in ranges) == len(photo)  # no byte twice
    assert count_by_id(server, "visit", ref["id"]) == 1


def _content_range(header: str) -> tuple[int, int, int]:
    span, total = header.removeprefix("bytes ").split("/")
    first, last = span.split("-")
    return int(first), int(last), int(total)


# ---------------------------------------------------------------------------------------------
# (c) a token revoked mid-sync: sign in again, nothing lost, exactly once
# ---------------------------------------------------------------------------------------------


def test_token_revoked_mid_sync_asks_to_sign_in_and_loses_nothing(
    phone: BrowserContext, server: LiveServer
) -> None:
    page = phone.new_page()
    sign_in(page, "wangwu")
    config = wait_for_first_sync(page)
    photos = [jpeg(640, 480, seed) for seed in (11, 12, 13)]

    revoked = {"done": False}

    def media(route: Route) -> None:
        # The records went first; while the photos upload, an administrator signs wangwu out.
        if route.request.method == "PUT" and not revoked["done"]:
            revoked["done"] = True
            server.cli("revoke-tokens", "wangwu")
        route.continue_()

    phone.route("**/api/media/*", media)
    phone.set_offline(True)
    made = queue_records(page, config, photos)
    phone.set_offline(False)

    expect(page.get_by_text("登录已失效，请重新登录")).to_be_visible(timeout=30_000)
    paused = state(page)
    assert paused["needsSignIn"] is True
    assert paused["lastError"]["code"] == "auth.required"
    assert paused["pendingCount"] == 3  # the three photos (the records went first), all kept
    assert revoked["done"]

    # The outbox screen says what happened and what to do.
    page.goto("/outbox")
    expect(page.get_by_test_id("sync-error")).to_contain_text("请重新登录")
    expect(page.get_by_test_id("outbox-row-photo")).to_have_count(3)

    page.get_by_role("button", name="重新登录").click()
    # Renewing a session: the user name is fixed, only the password is asked for.
    expect(page.get_by_placeholder("请输入用户名")).to_have_value("wangwu")
    page.get_by_placeholder("请输入密码").fill("demo1234")
    page.get_by_role("button", name="登录").click()
    wait_for_hook(page)
    wait_until(lambda: state(page)["pendingCount"] == 0, timeout=60, what="sync after sign-in")

    uid = user_id(server, "wangwu")
    assert [m[2] for m in stream_mutations(server, f"{uid}%")] == ["applied"] * 6
    assert_delivered_once(server, "wangwu", made, photos)


# ---------------------------------------------------------------------------------------------
# (d) an app update while records wait: nothing lost, exactly once
# ---------------------------------------------------------------------------------------------


def test_app_update_with_a_full_outbox_loses_nothing(
    phone: BrowserContext, server: LiveServer, hook_dist: Path
) -> None:
    page, config = installed_and_synced(phone, "zhaoli")
    photos = [jpeg(640, 480, seed) for seed in (21, 22, 23)]

    # The server cannot be reached for pushes and photos until the update is in.
    def unreachable(route: Route) -> None:
        route.abort("connectionrefused")

    phone.route("**/api/sync/push", unreachable)
    phone.route("**/api/media/*", unreachable)
    made = queue_records(page, config, photos)
    wait_until(lambda: state(page)["pendingCount"] == 6, what="three records and three photos")

    # A new version is deployed: the service worker's script changes on the server.
    sw = hook_dist / "sw.js"
    released = sw.read_bytes()
    try:
        sw.write_bytes(released + b"\n// the next release\n")
        page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
        expect(page.get_by_text("发现新版本，是否更新？")).to_be_visible(timeout=30_000)
        page.evaluate("window.__beforeUpdate = true")
        page.get_by_role("button", name="更新").click()
        # The page reloads under the new version, which now controls it.
        page.wait_for_function("window.__beforeUpdate === undefined", timeout=30_000)
        wait_for_hook(page)
        controlling = page.evaluate(
            """async () => {
                const r = await navigator.serviceWorker.getRegistration()
                return r.waiting === null && r.active === navigator.serviceWorker.controller
            }"""
        )
        assert controlling
        expect(page.get_by_text("发现新版本，是否更新？")).to_have_count(0)

        # Everything waited through the update, on the phone only.
        wait_until(lambda: state(page)["pendingCount"] == 6, what="the outbox after the update")
        for record in made:
            assert count_by_id(server, record["entity"], record["id"]) == 0

        phone.unroute("**/api/sync/push")
        phone.unroute("**/api/media/*")
        page.evaluate("window.__zoufang.runSync()")
        wait_until(lambda: state(page)["pendingCount"] == 0, timeout=60, what="the outbox to empty")
    finally:
        sw.write_bytes(released)

    uid = user_id(server, "zhaoli")
    assert stream_mutations(server, f"{uid}%") == APPLIED_ONCE
    assert_delivered_once(server, "zhaoli", made, photos)
