"""The field app as a visitor uses it: a visit and an inspection recorded with no signal.

Both records are made offline (photos from the camera input, a GPS fix, a demand, a shortfall
turned into a rectification), the page is reloaded in the middle of a form, and once the signal
is back each record reaches the server exactly once, photos and all. A second phone signed in as
the same visitor then sees both after its pull.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import sqlite3
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import msgspec
import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import (
    BrowserContext,
    FilePayload,
    Locator,
    Page,
    expect,
)

from server.db import county_today
from sync import protocol
from tests.e2e.conftest import HERE
from tests.e2e.test_foundation import sign_in, wait_for_service_worker
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser


READ_IDB = """async ([store, key]) => {
    const db = await new Promise((ok, err) => {
        const r = indexedDB.open('zoufang'); r.onsuccess = () => ok(r.result); r.onerror = err;
    });
    return await new Promise((ok, err) => {
        const q = key === null
            ? db.transaction(store).objectStore(store).getAll()
            : db.transaction(store).objectStore(store).get(key);
        q.onsuccess = () => { db.close(); ok(q.result); };
        q.onerror = err;
    });
}"""


def jpeg(width: int, height: int, colour: str, orientation: int | None = None) -> bytes:
    """A real JPEG such as a phone camera writes, optionally with an EXIF orientation tag."""
    image = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(image)
    # Something that marks which way is up: a block in the top-left corner.
    draw.rectangle((0, 0, width // 4, height // 4), fill="white")
    out = io.BytesIO()
    if orientation is None:
        image.save(out, "JPEG", quality=90)
    else:
        exif = Image.Exif()
        exif[0x0112] = orientation
        image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def camera_file(name: str, data: bytes) -> FilePayload:
    return {"name": name, "mimeType": "image/jpeg", "buffer": data}


def idb(page: Page, store: str, key: str | None = None) -> Any:
    return page.evaluate(READ_IDB, [store, key])


def token_of(page: Page) -> str:
    token = idb(page, "session", "token")
    assert isinstance(token, str) and token
    return token


def wait_until(check: Callable[[], Any], timeout: float = 30, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def signed_in_and_synced(page: Page) -> None:
    """Sign in as 张三 and wait for the service worker and the first roster pull."""
    sign_in(page)
    expect(page.get_by_test_id("greeting")).to_contain_text("张三", timeout=15_000)
    wait_for_service_worker(page)
    wait_until(lambda: len(idb(page, "rosters")) > 0, what="the roster pull")


def pull_all(live_server: LiveServer, token: str) -> list[dict[str, Any]]:
    """Every record this user may see, from a full sync pull (as a new phone would get them)."""
    records: list[dict[str, Any]] = []
    cursor = None
    for _ in range(50):
        body = {"protocol_version": "1.0", "cursor": cursor, "limit": 1000}
        reply = httpx.post(
            f"{live_server.url}/api/sync/pull",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        ).json()
        records += [c["record"] for c in reply["changes"] if c["op"] == "upsert"]
        cursor = reply["cursor"]
        if not reply["has_more"]:
            break
    return records


def download(live_server: LiveServer, token: str, sha256: str) -> bytes:
    response = httpx.get(
        f"{live_server.url}/api/media/{sha256}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return response.content


def pick_first(page: Page, testid: str) -> str:
    """Open a roster picker from the field `testid`, pick the first row, return its name."""
    page.get_by_test_id(testid).click()
    picker = page.get_by_test_id("roster-picker")
    row = picker.get_by_test_id("roster-row").first
    expect(row).to_be_visible()
    name = row.locator(".van-cell__title > span").first.inner_text()
    row.click()
    expect(picker).to_be_hidden()
    return name


def wait_saved(page: Page) -> None:
    expect(page.get_by_test_id("save-status")).to_have_text("已存草稿", timeout=5_000)


def record_visit(page: Page) -> dict[str, Any]:
    """Fill in a visit with two photos, a GPS fix and one demand; reload midway; submit."""
    page.get_by_test_id("tile-visit").click()
    expect(page.get_by_test_id("visit-form")).to_be_visible()
    expect(page.get_by_test_id("visit-campaign").locator("input")).to_have_value(
        f"{county_today().year}年“三送三问”人才走访"  # the demo's campaign of this year
    )
    visit_id = page.url.rsplit("/", 1)[-1].split("?")[0]

    # Submitting an empty form shows what is missing, next to the field, in Chinese.
    page.get_by_test_id("form-submit").click()
    expect(page.get_by_text("请选择走访对象")).to_be_visible()

    talent = pick_first(page, "visit-talent")
    expect(page.get_by_test_id("visit-talent").locator("input")).to_have_value(talent)
    page.get_by_text("座谈", exact=True).click()
    page.get_by_test_id("visit-visitors").locator("input").fill("张三、李明")
    page.get_by_test_id("visit-place").locator("input").fill("清源农业科技有限公司会议室")
    page.get_by_role("button", name="获取定位").click()
    expect(page.get_by_test_id("location-fix")).to_contain_text("精度约 18 米")
    page.get_by_role("button", name="送政策").click()
    page.get_by_test_id("ask-needs").locator("textarea").fill("希望协调孩子入学")

    page.get_by_test_id("add-demand-needs").click()
    page.get_by_test_id("category-sheet").get_by_role("button", name="子女入学").click()
    demand = page.get_by_test_id("demand")
    expect(demand.get_by_test_id("demand-category").locator("input")).to_have_value("子女入学")
    demand.get_by_test_id("demand-description").locator("textarea").fill(
        "孩子今年秋季需转入城关一小"
    )

    # Two photos from the camera: a portrait one (EXIF rotated) and a small one.
    camera = page.get_by_test_id("visit-photos-camera")
    camera.set_input_files(files=[camera_file("IMG_0001.jpg", jpeg(2400, 1800, "#2a6", 6))])
    expect(page.get_by_test_id("photo-thumb")).to_have_count(1, timeout=15_000)
    camera.set_input_files(files=[camera_file("IMG_0002.jpg", jpeg(800, 600, "#a62"))])
    expect(page.get_by_test_id("photo-thumb")).to_have_count(2, timeout=15_000)
    # A thumbnail opens the photo full screen; a tap closes it.
    page.get_by_test_id("photo-thumb").first.locator("img").click()
    viewer = page.locator(".photo-viewer img")
    expect(viewer).to_be_visible()
    viewer.click()
    expect(viewer).to_be_hidden()
    wait_saved(page)

    # The browser reloads (a crash, an update): the draft is all still there.
    page.reload()
    expect(page.get_by_test_id("visit-form")).to_be_visible(timeout=15_000)
    expect(page.get_by_test_id("visit-talent").locator("input")).to_have_value(talent)
    expect(page.get_by_test_id("visit-place").locator("input")).to_have_value(
        "清源农业科技有限公司会议室"
    )
    expect(page.get_by_test_id("location-fix")).to_be_visible()
    expect(
        page.get_by_test_id("demand").get_by_test_id("demand-description").locator("textarea")
    ).to_have_value("孩子今年秋季需转入城关一小")
    expect(page.get_by_test_id("photo-thumb")).to_have_count(2)
    expect(page.get_by_test_id("photo-thumb").locator("img")).to_have_count(2)

    photos = idb(page, "drafts", visit_id)["data"]["state"]["photos"]
    assert len(photos) == 2

    page.get_by_test_id("form-submit").click()
    expect(page).to_have_url(re.compile(f"/records/visit/{visit_id}$"), timeout=10_000)
    expect(page.get_by_test_id("review-status")).to_have_text("已提交")
    expect(page.get_by_test_id("record-demand")).to_contain_text("孩子今年秋季需转入城关一小")
    # Submitted: the draft is gone, the outbox holds the record.
    assert idb(page, "drafts", visit_id) is None
    return {"id": visit_id, "talent": talent, "photos": photos}


def record_inspection(page: Page) -> dict[str, Any]:
    """Check a centre item by item, one item short of standard with a rectification; submit."""
    page.goto("/")
    page.get_by_test_id("tile-inspection").click()
    expect(page.get_by_test_id("inspection-form")).to_be_visible()
    inspection_id = page.url.rsplit("/", 1)[-1].split("?")[0]
    centre = pick_first(page, "inspection-center")
    page.get_by_role("button", name="获取定位").click()
    expect(page.get_by_test_id("location-distance")).to_contain_text("距阵地登记位置")

    items = page.get_by_test_id("checklist-item")
    expect(items).to_have_count(13)
    for i in range(13):
        items.nth(i).get_by_text("达标", exact=True).click()
    expect(page.get_by_test_id("inspection-total")).to_contain_text("100 / 100")

    short = items.nth(6)  # 运行管理 · 坐班值班制度 (10 points)
    short.get_by_text("不达标", exact=True).click()
    expect(page.get_by_test_id("inspection-total")).to_contain_text("90 / 100")
    short.get_by_test_id("item-note").locator("textarea").fill("值班表未公示")
    short.get_by_test_id("item-photos-7-camera").set_input_files(
        files=[camera_file("IMG_0003.jpg", jpeg(1200, 900, "#66a"))]
    )
    expect(short.get_by_test_id("photo-thumb")).to_have_count(1, timeout=15_000)
    short.get_by_test_id("rectify").click()
    rect = short.get_by_test_id("rectification")
    expect(rect.get_by_test_id("rectification-issue").locator("textarea")).to_have_value(
        "坐班值班制度：值班表未公示"
    )
    rect.get_by_test_id("rectification-unit").locator("input").fill("东门社区党支部")
    wait_saved(page)

    page.reload()
    expect(page.get_by_test_id("inspection-form")).to_be_visible(timeout=15_000)
    expect(page.get_by_test_id("inspection-total")).to_contain_text("90 / 100")
    expect(
        page.get_by_test_id("rectification").get_by_test_id("rectification-unit").locator("input")
    ).to_have_value("东门社区党支部")

    draft = idb(page, "drafts", inspection_id)["data"]["state"]
    item_photos = [p for item in draft["items"].values() for p in item["photos"]]
    assert len(item_photos) == 1

    page.get_by_test_id("form-submit").click()
    expect(page).to_have_url(re.compile(f"/records/inspection/{inspection_id}$"), timeout=10_000)
    expect(page.get_by_test_id("record-score")).to_contain_text("90")
    expect(page.get_by_test_id("record-rectification")).to_contain_text("东门社区党支部")
    return {"id": inspection_id, "centre": centre, "photos": item_photos}


def test_offline_visit_and_inspection_reach_the_server_once(
    phones: Callable[..., BrowserContext], live_server: LiveServer
) -> None:
    context = phones()
    page = context.new_page()
    signed_in_and_synced(page)
    token = token_of(page)

    context.set_offline(True)
    page.reload()  # served by the service worker
    expect(page.get_by_test_id("network-state")).to_have_text("离线", timeout=10_000)
    visit = record_visit(page)
    inspection = record_inspection(page)

    # Still offline: both wait on the phone, and "我的记录" lists them.
    assert len(idb(page, "outbox")) >= 4  # put + submit for each
    page.goto("/records")
    rows = page.get_by_test_id("record-row")
    expect(rows).to_have_count(2)
    expect(page.locator(f"[data-record='{visit['id']}']")).to_contain_text("待同步")

    context.set_offline(False)
    headers = {"Authorization": f"Bearer {token}"}

    def server_visit() -> dict[str, Any] | None:
        reply = httpx.get(f"{live_server.url}/api/visits/{visit['id']}", headers=headers)
        if reply.status_code != 200:
            return None
        body = reply.json()
        return body if body["status"] == "submitted" and not body["missing_photos"] else None

    got = wait_until(server_visit, timeout=60, what="the visit and its photos on the server")
    assert got["talent_name"] == visit["talent"]
    assert got["mode"] == "symposium"
    assert got["visitors"] == ["张三", "李明"]
    assert got["sends"] == ["policy"]
    assert got["latitude"] == pytest.approx(HERE["latitude"])
    assert got["accuracy"] == pytest.approx(HERE["accuracy"])
    assert got["located_at"]
    assert sorted(got["photos"]) == sorted(visit["photos"])
    [demand] = got["demands"]
    assert demand["category"] == "school_enrolment"
    assert demand["description"] == "孩子今年秋季需转入城关一小"
    assert demand["ask_key"] == "needs"

    # Photos: the server's bytes hash to their names; resized, oriented, JPEG.
    sizes = set()
    for sha in got["photos"]:
        data = download(live_server, token, sha)
        assert hashlib.sha256(data).hexdigest() == sha
        image = Image.open(io.BytesIO(data))
        assert image.format == "JPEG"
        sizes.add(image.size)
    assert sizes == {(1200, 1600), (800, 600)}

    def server_inspection() -> list[dict[str, Any]] | None:
        records = pull_all(live_server, token)
        found = [r for r in records if r["entity"] == "inspection" and r["id"] == inspection["id"]]
        if not found or found[0]["status"] != "submitted" or found[0]["missing_photos"]:
            return None
        results = [r for r in records if r["entity"] == "inspection_item_result"]
        return records if any(r["missing_photos"] == [] for r in results) else None

    records = wait_until(server_inspection, timeout=60, what="the inspection on the server")
    [got_inspection] = [r for r in records if r["entity"] == "inspection"]
    assert got_inspection["total_score"] == pytest.approx(90)
    results = [r for r in records if r["entity"] == "inspection_item_result"]
    assert len(results) == 13
    [short] = [r for r in results if r["result"] == "not_met"]
    assert short["score"] == 0 and short["note"] == "值班表未公示"
    assert short["photos"] == inspection["photos"]
    assert short["missing_photos"] == []
    data = download(live_server, token, inspection["photos"][0])
    assert hashlib.sha256(data).hexdigest() == inspection["photos"][0]
    [rect] = [r for r in records if r["entity"] == "rectification"]
    assert rect["item_id"] == short["item_id"]
    assert rect["responsible_unit_name"] == "东门社区党支部"
    assert rect["issue"] == "坐班值班制度：值班表未公示"

    # Exactly once: one visit and one inspection, whatever the retries.
    visits = [r for r in records if r["entity"] == "visit"]
    assert [v["id"] for v in visits] == [visit["id"]]
    assert len([r for r in records if r["entity"] == "demand"]) == 1

    # The phone sees it synced, and the outbox is empty.
    page.goto("/records")
    expect(page.locator(f"[data-record='{visit['id']}']")).to_contain_text("已同步", timeout=30_000)
    expect(page.locator(f"[data-record='{inspection['id']}']")).to_contain_text(
        "已同步", timeout=30_000
    )
    wait_until(lambda: idb(page, "outbox") == [], what="an empty outbox")

    # A second phone, same visitor: both records arrive with its first pull.
    other = phones().new_page()
    signed_in_and_synced(other)
    other.goto("/records")
    expect(other.get_by_test_id("record-row")).to_have_count(2, timeout=30_000)
    other.locator(f"[data-record='{visit['id']}']").click()
    expect(other.get_by_test_id("record-target")).to_contain_text(visit["talent"])
    expect(other.get_by_test_id("record-demand")).to_contain_text("孩子今年秋季需转入城关一小")
    expect(other.get_by_test_id("review-status")).to_have_text("已提交")
    other.go_back()
    other.locator(f"[data-record='{inspection['id']}']").click()
    expect(other.get_by_test_id("record-target")).to_contain_text(inspection["centre"])
    expect(other.get_by_test_id("record-rectification")).to_contain_text("东门社区党支部")


def test_roster_search_by_pinyin_initials_starts_a_visit(
    phones: Callable[..., BrowserContext], live_server: LiveServer
) -> None:
    page = phones().new_page()
    signed_in_and_synced(page)
    talents = [r["data"] for r in idb(page, "rosters") if r["kind"] == "talent"]
    target = talents[0]
    page.get_by_test_id("tile-rosters").click()
    page.get_by_test_id("roster-search").locator("input").fill(target["name_initials"])
    row = page.get_by_test_id("roster-row").filter(has_text=target["name"]).first
    expect(row).to_contain_text("尚未走访")
    row.click()
    expect(page.get_by_test_id("visit-talent").locator("input")).to_have_value(target["name"])
    assert f"talent={target['id']}" in page.url


def test_far_from_the_centre_is_flagged(phones: Callable[..., BrowserContext]) -> None:
    page = phones().new_page()
    signed_in_and_synced(page)
    centre = next(r["data"] for r in idb(page, "rosters") if r["kind"] == "service_center")
    # 0.01° of latitude is about 1.1 km.
    page.context.set_geolocation(
        {"latitude": centre["latitude"] + 0.01, "longitude": centre["longitude"], "accuracy": 150}
    )
    page.goto(f"/inspections/new?center={centre['id']}")
    expect(page.get_by_test_id("inspection-center").locator("input")).to_have_value(centre["name"])
    page.get_by_role("button", name="获取定位").click()
    expect(page.get_by_test_id("location-imprecise")).to_be_visible()
    expect(page.get_by_test_id("location-distance")).to_contain_text("超过 500 米")
    expect(page.get_by_test_id("location-distance")).to_contain_text("1.1 公里")


def test_supervisor_returns_a_visit_from_the_app_and_approves_it_once_fixed(
    phones: Callable[..., BrowserContext], live_server: LiveServer
) -> None:
    """The supervisor reviews on their own phone: the visit waits under 审核 with its photo
    (fetched from the server), can be read but not decided offline, is returned with a comment
    the visitor reads, fixed and sent again, and approved; both decisions are audited."""
    page = phones().new_page()
    signed_in_and_synced(page)
    # Field staff do not review: no tile, and the address leads home.
    expect(page.get_by_test_id("tile-reviews")).to_have_count(0)
    page.goto("/reviews")
    expect(page.get_by_test_id("greeting")).to_be_visible()
    page.get_by_test_id("tile-visit").click()
    expect(page.get_by_test_id("visit-form")).to_be_visible()
    visit_id = page.url.rsplit("/", 1)[-1].split("?")[0]
    talent = pick_first(page, "visit-talent")
    photo = jpeg(800, 600, "#36a")
    page.get_by_test_id("visit-photos-camera").set_input_files(
        files=[camera_file("IMG_0100.jpg", photo)]
    )
    expect(page.get_by_test_id("photo-thumb")).to_have_count(1, timeout=15_000)
    page.get_by_test_id("form-submit").click()
    expect(page).to_have_url(re.compile(f"/records/visit/{visit_id}$"), timeout=10_000)
    # Record and photo both on the server.
    expect(page.get_by_test_id("sync-status")).to_have_text("已同步", timeout=30_000)

    token = token_of(page)
    mine = {"Authorization": f"Bearer {token}"}

    def on_server() -> dict[str, Any]:
        reply = httpx.get(f"{live_server.url}/api/visits/{visit_id}", headers=mine)
        assert reply.status_code == 200, reply.text
        return dict(reply.json())

    sent = on_server()
    assert sent["status"] == "submitted"

    boss = phones().new_page()
    sign_in(boss, "zhaoli")
    expect(boss.get_by_test_id("greeting")).to_contain_text("赵丽", timeout=15_000)
    # The tile counts what waits (this visit, and any that other tests left submitted).
    expect(boss.get_by_test_id("tile-reviews")).to_have_text(
        re.compile(r"^\s*[1-9]\d*\s*审核\s*$"), timeout=30_000
    )
    boss.get_by_test_id("tile-reviews").click()
    row = boss.locator(f"[data-testid='review-row'][data-record='{visit_id}']")
    expect(row).to_contain_text(talent, timeout=30_000)
    expect(row).to_contain_text("张三")
    row.click()
    expect(boss.get_by_test_id("record-target")).to_contain_text(talent)
    expect(boss.get_by_test_id("review-status")).to_have_text("已提交")
    # The visitor's photo is not on this phone: it comes from the server, to a reviewer only.
    image = boss.get_by_test_id("record-photo").locator("img")
    expect(image).to_have_count(1, timeout=15_000)
    wait_until(
        lambda: image.evaluate("img => img.complete && img.naturalWidth > 0"),
        what="the photo from the server",
    )

    # Offline the record still reads, but no decision can be sent.
    boss.context.set_offline(True)
    expect(boss.get_by_test_id("review-offline")).to_be_visible()
    expect(boss.get_by_test_id("review-return")).to_be_disabled()
    expect(boss.get_by_test_id("review-approve")).to_be_disabled()
    boss.context.set_offline(False)
    expect(boss.get_by_test_id("review-offline")).to_be_hidden()

    # Returning says what to fix; without a comment it is not sent.
    boss.get_by_test_id("review-return").click()
    expect(boss.get_by_text("退回时请写明需要修改的地方")).to_be_visible()
    assert on_server()["status"] == "submitted"
    boss.get_by_test_id("review-comment-input").locator("textarea").fill("请补充走访地点")
    boss.get_by_test_id("review-return").click()
    expect(boss).to_have_url(re.compile(r"/reviews$"), timeout=10_000)
    expect(row).to_have_count(0, timeout=30_000)  # no longer waiting, once pulled back
    returned = on_server()
    assert (returned["status"], returned["review_comment"]) == ("returned", "请补充走访地点")

    # The visitor's phone pulls the review; the comment is on the row and the record.
    page.goto("/records")
    mine_row = page.locator(f"[data-record='{visit_id}']")
    expect(mine_row).to_contain_text("退回", timeout=30_000)
    expect(mine_row).to_contain_text("请补充走访地点")
    mine_row.click()
    expect(page.get_by_test_id("review-comment")).to_contain_text("请补充走访地点")
    page.get_by_test_id("record-edit").click()
    expect(page.get_by_test_id("return-comment")).to_contain_text("请补充走访地点")
    page.get_by_test_id("visit-place").locator("input").fill("人才公寓三楼会议室")
    page.locator("[data-field='notes'] textarea").fill("走访人补充：企业需要人才公寓")
    page.get_by_test_id("form-submit").click()
    expect(page.get_by_test_id("review-status")).to_have_text("已提交", timeout=10_000)

    def resubmitted() -> dict[str, Any] | None:
        body = on_server()
        return body if body["status"] == "submitted" and body["place"] else None

    got = wait_until(resubmitted, what="the fixed visit on the server")
    assert got["place"] == "人才公寓三楼会议室"
    assert got["version"] > returned["version"]

    # Back in 审核 (a pull on opening it), the fixed version is what gets approved.
    boss.goto("/reviews")
    expect(row).to_be_visible(timeout=30_000)
    row.click()
    expect(boss.get_by_text("人才公寓三楼会议室")).to_be_visible(timeout=15_000)
    boss.get_by_test_id("review-approve").click()
    expect(boss).to_have_url(re.compile(r"/reviews$"), timeout=10_000)
    approved = on_server()
    assert approved["status"] == "approved"
    assert approved["photos"] == [
        hashlib.sha256(download(live_server, token, approved["photos"][0])).hexdigest()
    ]

    page.goto(f"/records/visit/{visit_id}")
    expect(page.get_by_test_id("review-status")).to_have_text("已审核", timeout=30_000)
    expect(page.get_by_test_id("record-edit")).to_have_count(0)

    # Each decision is in the audit log once, by the supervisor, with the version decided on.
    with sqlite3.connect(live_server.data_dir / "zoufang.sqlite") as db:
        rows = db.execute(
            # Reads of the record are logged too (access.read): the decisions are the reviews.
            "SELECT action, details FROM audit_log WHERE entity_id = ? AND action = 'visit.review'"
            " ORDER BY created_at",
            (visit_id,),
        ).fetchall()
    decisions = [(a, json.loads(d)["decision"], json.loads(d)["reviewed_version"]) for a, d in rows]
    assert decisions == [
        ("visit.review", "return", sent["version"]),
        ("visit.review", "approve", got["version"]),
    ]


def test_a_conflict_is_shown_to_the_visitor_and_settled_by_the_supervisor(
    phones: Callable[..., BrowserContext], live_server: LiveServer
) -> None:
    """The visitor fixes a returned visit offline while the supervisor changes the same field:
    the server keeps the supervisor's value and the visitor's as a conflict; the visitor sees
    both, and the supervisor takes the visitor's from the 冲突处理 screen. Nothing is lost."""
    context = phones()
    page = context.new_page()
    signed_in_and_synced(page)
    expect(page.get_by_test_id("tile-conflicts")).to_have_count(0)  # a reviewer's tile
    page.get_by_test_id("tile-visit").click()
    expect(page.get_by_test_id("visit-form")).to_be_visible()
    visit_id = page.url.rsplit("/", 1)[-1].split("?")[0]
    talent = pick_first(page, "visit-talent")
    page.get_by_test_id("visit-place").locator("input").fill("城关镇")
    page.get_by_test_id("form-submit").click()
    expect(page).to_have_url(re.compile(f"/records/visit/{visit_id}$"), timeout=10_000)

    mine = {"Authorization": f"Bearer {token_of(page)}"}

    def on_server() -> dict[str, Any] | None:
        reply = httpx.get(f"{live_server.url}/api/visits/{visit_id}", headers=mine)
        return reply.json() if reply.status_code == 200 else None

    sent = wait_until(on_server, what="the visit on the server")
    login = {"username": "zhaoli", "password": "demo1234", "device_name": "e2e"}
    boss_token = httpx.post(
        f"{live_server.url}/api/auth/login", json={**login, "device_id": "e2e-boss-tablet"}
    ).json()["token"]
    boss = {"Authorization": f"Bearer {boss_token}"}
    review = httpx.post(
        f"{live_server.url}/api/visits/{visit_id}/review",
        json={"decision": "return", "comment": "地点写具体些", "version": sent["version"]},
        headers=boss,
    )
    assert review.status_code == 200, review.text
    page.goto("/records")
    row = page.locator(f"[data-record='{visit_id}']")
    expect(row).to_contain_text("退回", timeout=30_000)

    # Offline, the visitor fixes the place and adds a note, from the returned version.
    context.set_offline(True)
    row.click()
    page.get_by_test_id("record-edit").click()
    page.get_by_test_id("visit-place").locator("input").fill("人才公寓三楼会议室")
    page.locator("[data-field='notes'] textarea").fill("走访人补充：企业需要人才公寓")
    page.get_by_test_id("form-submit").click()
    expect(page.get_by_test_id("review-status")).to_have_text("已提交", timeout=10_000)

    # Meanwhile the supervisor corrects the place and adds a note, from the same version.
    returned = wait_until(on_server, what="the returned visit")
    assert returned["status"] == "returned"
    record = next(r for r in pull_all(live_server, boss_token) if r.get("id") == visit_id)
    names = {f.name for f in msgspec.structs.fields(protocol.VisitFields)}
    fields = {k: v for k, v in record.items() if k in names}
    push = {
        "protocol_version": "1.0",
        "device_id": "e2e-boss-tablet",
        "mutations": [
            {
                "op": "visit.put",
                "mutation_id": str(uuid.uuid4()),
                "seq": 1,
                "base_version": returned["version"],
                "visit": {**fields, "place": "县人才服务中心", "notes": "审核人补充：已联系住建局"},
            }
        ],
    }
    reply = httpx.post(f"{live_server.url}/api/sync/push", json=push, headers=boss).json()
    assert reply["results"][0]["status"] == "applied", reply["results"][0]

    # Back in signal: the supervisor's place stands; the visitor reads both on the record.
    context.set_offline(False)
    expect(page.get_by_test_id("sync-status")).to_have_text("有冲突", timeout=30_000)
    conflict = page.get_by_test_id("record-conflict")
    expect(conflict).to_have_count(2)
    place = conflict.filter(has_text="地点")
    expect(place).to_contain_text("你的修改：人才公寓三楼会议室")
    expect(place).to_contain_text("服务器保留：县人才服务中心")
    page.get_by_test_id("record-conflicts-link").click()
    cards = page.get_by_test_id("conflict")
    expect(cards).to_have_count(2)
    # Submitted: the visitor may only keep what is there; the supervisor decides.
    expect(cards.get_by_test_id("conflict-take")).to_have_count(0)
    expect(cards.get_by_test_id("conflict-merge")).to_have_count(0)
    expect(cards.first).to_contain_text("请联系审核人")

    supervisor = phones().new_page()
    sign_in(supervisor, "zhaoli")
    tile = supervisor.get_by_test_id("tile-conflicts")
    expect(tile.locator(".van-badge")).to_have_text("2", timeout=15_000)
    tile.click()
    listed = supervisor.get_by_test_id("conflict").filter(has_text=talent)

    def card_of(field: str) -> Locator:
        return listed.filter(has=supervisor.get_by_test_id("conflict-field").filter(has_text=field))

    card = card_of("地点")
    expect(card.get_by_test_id("conflict-current")).to_contain_text("县人才服务中心")
    expect(card.get_by_test_id("conflict-client")).to_contain_text("人才公寓三楼会议室")
    expect(card.get_by_test_id("conflict-merge")).to_have_count(0)  # one line: pick one
    card.get_by_test_id("conflict-take").click()
    expect(listed).to_have_count(1, timeout=10_000)
    # The notes are paragraphs: the supervisor keeps both, edited together.
    card = card_of("备注")
    card.get_by_test_id("conflict-merge").click()
    text = card.get_by_test_id("conflict-merged").locator("textarea")
    expect(text).to_have_value("审核人补充：已联系住建局\n走访人补充：企业需要人才公寓")
    text.fill("审核人补充：已联系住建局；走访人补充：企业需要人才公寓")
    card.get_by_test_id("conflict-save-merged").click()
    expect(supervisor.get_by_test_id("conflicts-empty")).to_be_visible(timeout=10_000)

    settled = on_server()
    assert settled is not None
    assert settled["place"] == "人才公寓三楼会议室"
    assert settled["notes"] == "审核人补充：已联系住建局；走访人补充：企业需要人才公寓"
    assert settled["status"] == "submitted"
    resolved = httpx.get(
        f"{live_server.url}/api/sync/conflicts",
        params={"status": "all", "record_id": visit_id},
        headers=boss,
    ).json()
    assert sorted((c["field"], c["resolution"]) for c in resolved) == [
        ("notes", "value"),
        ("place", "client"),
    ]
    # The visitor's phone pulls the settled version: no conflict left, the place is theirs.
    page.goto(f"/records/visit/{visit_id}")
    expect(page.get_by_test_id("sync-status")).to_have_text("已同步", timeout=30_000)
    expect(page.get_by_test_id("record-conflict")).to_have_count(0)
    expect(page.get_by_text("人才公寓三楼会议室")).to_be_visible()
    mine_now = [r for r in pull_all(live_server, token_of(page)) if r.get("id") == visit_id]
    assert len(mine_now) == 1 and mine_now[0]["place"] == "人才公寓三楼会议室"


def test_township_filter_works_offline_without_opening_the_rosters_online(
    phones: Callable[..., BrowserContext],
) -> None:
    # A supervisor (the whole county) signs in and goes straight out of signal: the township
    # names must have come down with the first sync, not when the rosters screen first opened.
    context = phones()
    page = context.new_page()
    sign_in(page, "zhaoli")
    wait_for_service_worker(page)
    wait_until(lambda: len(idb(page, "rosters")) > 0, what="the roster pull")
    units = wait_until(
        lambda: json.loads(page.evaluate("localStorage.getItem('zoufang.org_units.v1') || '[]'")),
        what="the township names",
    )
    context.set_offline(True)
    page.reload()
    page.get_by_test_id("tile-rosters").click()
    page.get_by_role("button", name="全部镇街").click()
    page.locator(".van-action-sheet__item", has_text="南山镇").click()
    expect(page.locator("button.township")).to_contain_text("南山镇")

    by_id = {u["id"]: u for u in units}

    def township(unit_id: str) -> str | None:
        unit = by_id.get(unit_id)
        while unit and unit["kind"] not in ("township", "subdistrict"):
            unit = by_id.get(unit["parent_id"])
        return unit["name"] if unit else None

    talents = [r["data"] for r in idb(page, "rosters") if r["kind"] == "talent"]
    nanshan = {t["name"] for t in talents if township(t["org_unit_id"]) == "南山镇"}
    shown = page.get_by_test_id("roster-row").locator(".van-cell__title > span")
    expect(shown.first).to_be_visible()
    names = shown.all_inner_texts()
    assert names and set(names) <= nanshan, (names, sorted(nanshan)[:5])
    assert len(nanshan) < len(talents)  # the filter really left some out
