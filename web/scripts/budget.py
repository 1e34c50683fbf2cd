"""Measure the field app's budgets on the production build in headless Chromium, and print them.

    .venv/bin/python web/scripts/budget.py [--runs 5] [--strict]

Needs `web/dist` (run `make web` first), Debian's Chromium and the dev dependencies (Playwright,
Pillow). It starts a real server on a throwaway SQLite database with the demo county (as the
end-to-end tests do, with tests/support/live.py), then measures, as a phone would meet them:

1. Bytes (gzip -9 of the built files): everything loaded on a first visit (the sign-in page), and
   all the JavaScript the field screens need (shell, framework, every field route, the photo
   worker). The service worker's background precache is listed for information.
2. Offline cold start: signed in, data synced, network off, service worker stopped; from
   navigation start to the home screen rendered and answering (the first task after render).
3. A 12-megapixel camera photo (4000×3000 JPEG) from the file input to resized, hashed and
   stored in IndexedDB (its thumbnail appears).
4. Every tap and keystroke while filling in a visit and an inspection at 4× CPU slowdown: from
   the input event's timestamp to the end of the next frame the page produces (input delay,
   handlers, style, layout and paint on the main thread). The browser's Event Timing figure
   (up to the frame being presented) is printed too, for information: headless Chromium
   composites in software on a shared CPU, which adds delay a phone's GPU does not.
Timings depend on the machine's load, which is printed with them.

It prints figures, not a verdict; `--strict` exits 1 when a figure is over its budget.
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "web" / "dist"
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw, ImageFilter  # noqa: E402
from playwright.sync_api import BrowserContext, Page, sync_playwright  # noqa: E402

from tests.support.live import CHROMIUM, CHROMIUM_ARGS, PHONE, LiveServer, free_port  # noqa: E402

KB = 1024
BUDGETS = {
    "first_visit_kb": 250,
    "field_js_kb": 120,
    "cold_start_ms": 1000,
    "photo_ms": 1500,
    "interaction_ms": 100,
}
CPU_SLOWDOWN = 4
HERE = {"latitude": 28.2012, "longitude": 112.9034, "accuracy": 18}
FIELD_ROUTES = [
    "/visits/new",
    "/inspections/new",
    "/rosters",
    "/records",
    # A record's read-only page (the id need not exist: the screen's code loads all the same).
    "/records/visit/00000000-0000-4000-8000-000000000000",
    "/drafts",
]

# Times every tap and keystroke from the input event to the end of the next frame the main thread
# produces (the rAF callback, then a task queued from it, runs after that frame's style, layout and
# paint): what the app's own code and rendering cost, at the throttled CPU speed.
ANSWER_PROBE = """() => {
    window.__answers = [];
    let start = null, label = '';
    const name = (t) => t?.closest?.('[data-testid]')?.dataset.testid ?? (t?.textContent ?? '').trim().slice(0, 12);
    addEventListener('pointerdown', (e) => { start = e.timeStamp; label = 'tap ' + name(e.target); }, true);
    addEventListener('keydown', (e) => { start = e.timeStamp; label = 'key ' + name(e.target); }, true);
    // Text inserted without a key event (an IME commit, or Playwright typing Chinese).
    addEventListener('beforeinput', (e) => { if (start === null) { start = e.timeStamp; label = 'type ' + name(e.target); } }, true);
    const measure = () => {
        if (start === null) return;
        const s = start, l = label;
        start = null;
        requestAnimationFrame(() => setTimeout(() => window.__answers.push({label: l, ms: performance.now() - s}), 0));
    };
    addEventListener('click', measure, true);
    addEventListener('input', measure, true);
}"""

# The browser's own figure (Event Timing, as INP counts it): up to the frame being presented, so in
# headless Chromium it includes software compositing on a shared CPU.
EVENT_TIMING = """() => {
    window.__interactions = [];
    new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
            if (e.interactionId) window.__interactions.push(
                {id: e.interactionId, name: e.name, duration: e.duration,
                 delay: e.processingStart - e.startTime, handlers: e.processingEnd - e.processingStart,
                 target: e.target ? (e.target.closest('[data-testid]')?.dataset.testid
                                     ?? e.target.textContent?.trim().slice(0, 12)) : ''});
        }
    }).observe({type: 'event', durationThreshold: 16, buffered: true});
}"""

# Marks when the home screen is rendered, and when the first task after that runs.
COLD_START_PROBE = """(() => {
    const look = () => {
        if (document.querySelector('[data-testid=greeting]')) {
            window.__homeShown = performance.now();
            setTimeout(() => { window.__homeInteractive = performance.now(); }, 0);
        } else requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
})();"""

# Times each photo from the file input's change event to its thumbnail (stored in IndexedDB).
PHOTO_PROBE = """(testid) => {
    window.__photoTimes = [];
    let started = null;
    const input = document.querySelector(`[data-testid=${testid}]`);
    input.addEventListener('change', () => { started = performance.now(); }, {capture: true});
    const count = () => document.querySelectorAll('[data-testid=photo-thumb]').length;
    let seen = count();
    new MutationObserver(() => {
        const n = count();
        if (n > seen && started !== null) { window.__photoTimes.push(performance.now() - started); started = null; }
        seen = n;
    }).observe(document.body, {childList: true, subtree: true});
}"""


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def dist_file(url: str) -> Path | None:
    path = urlparse(url).path
    if path in ("", "/") or not Path(path).suffix:
        path = "/index.html"
    candidate = DIST / path.lstrip("/")
    return candidate if candidate.is_file() else None


def resource_urls(page: Page) -> list[str]:
    return page.evaluate(
        """() => [location.href, ...performance.getEntriesByType('resource').map((e) => e.name)]"""
    )


def sizes(urls: list[str], origin: str) -> dict[str, int]:
    """gzip size of each same-origin static file among `urls` (API calls left out)."""
    out: dict[str, int] = {}
    for url in urls:
        if not url.startswith(origin) or "/api/" in url:
            continue
        file = dist_file(url)
        if file is not None:
            out[str(file.relative_to(DIST))] = gz(file.read_bytes())
    return out


def camera_jpeg(seed: int = 12, width: int = 4000, height: int = 3000) -> bytes:
    """A 12 MP JPEG with texture like a real photo (flat colour would decode unrealistically fast).

    Each seed gives a different photo: the app stores photos by content hash, so a repeat would
    be recognised and not stored again.
    """
    rng = random.Random(seed)
    small = Image.new("RGB", (width // 8, height // 8))
    draw = ImageDraw.Draw(small)
    for _ in range(400):
        x, y = rng.randrange(small.width), rng.randrange(small.height)
        r = rng.randrange(5, 60)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    image = small.filter(ImageFilter.GaussianBlur(2)).resize((width, height), Image.BICUBIC)
    noise = Image.effect_noise((width, height), 24).convert("RGB")
    image = Image.blend(image, noise, 0.15)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


def sign_in(page: Page) -> None:
    page.goto("/")
    page.get_by_placeholder("请输入用户名").fill("zhangsan")
    page.get_by_placeholder("请输入密码").fill("demo1234")
    page.get_by_role("button", name="登录").click()
    page.get_by_test_id("greeting").wait_for(timeout=15_000)
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=15_000)
    page.wait_for_function(
        """async () => {
            const db = await new Promise((ok) => { const r = indexedDB.open('zoufang'); r.onsuccess = () => ok(r.result); });
            const n = await new Promise((ok) => { const q = db.transaction('rosters').objectStore('rosters').count(); q.onsuccess = () => ok(q.result); });
            db.close();
            return n > 0;
        }""",
        timeout=30_000,
        polling=300,
    )


def throttle(context: BrowserContext, page: Page, rate: float) -> Any:
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
    return cdp


def measure_bytes(context: BrowserContext, origin: str) -> dict[str, Any]:
    page = context.new_page()
    page.goto("/")
    page.get_by_placeholder("请输入用户名").wait_for()
    page.wait_for_load_state("networkidle")
    first = sizes(resource_urls(page), origin)
    first["manifest.webmanifest"] = gz((DIST / "manifest.webmanifest").read_bytes())

    sign_in(page)
    # A working day starts signed in, at home: a new document, then each field screen in turn.
    page.goto("/")
    page.get_by_test_id("greeting").wait_for()
    page.wait_for_load_state("networkidle")
    js = {k: v for k, v in sizes(resource_urls(page), origin).items() if k.endswith(".js")}
    per_route: dict[str, int] = {"/ (shell and home)": sum(js.values())}
    for route in FIELD_ROUTES:
        page.evaluate(
            "(r) => { history.pushState({}, '', r); dispatchEvent(new PopStateEvent('popstate')); }",
            route,
        )
        page.wait_for_load_state("networkidle")
        time.sleep(0.5)
        now = {k: v for k, v in sizes(resource_urls(page), origin).items() if k.endswith(".js")}
        per_route[route] = sum(v for k, v in now.items() if k not in js)
        js.update(now)
    for worker in (DIST / "assets").glob("compress.worker*.js"):
        js[str(worker.relative_to(DIST))] = gz(worker.read_bytes())
        per_route["(photo worker)"] = gz(worker.read_bytes())
    precache = sum(
        gz(p.read_bytes()) for p in DIST.rglob("*") if p.suffix in {".js", ".css", ".html", ".png"}
    )
    page.close()
    return {
        "first_visit": sum(first.values()),
        "first_visit_files": len(first),
        "field_js": sum(js.values()),
        "field_js_files": len(js),
        "per_route": per_route,
        "precache": precache,
    }


def measure_cold_start(context: BrowserContext, runs: int, rate: float) -> list[float]:
    context.add_init_script(COLD_START_PROBE)
    context.set_offline(True)
    times = []
    for _ in range(runs):
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("ServiceWorker.enable")
        cdp.send("ServiceWorker.stopAllWorkers")
        if rate > 1:
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
        page.goto("/", wait_until="commit")
        page.wait_for_function("window.__homeInteractive !== undefined", timeout=20_000)
        times.append(page.evaluate("window.__homeInteractive"))
        page.close()
    context.set_offline(False)
    return times


def measure_photo(context: BrowserContext, runs: int, rate: float) -> list[float]:
    photos = [camera_jpeg(seed=100 * runs + i + int(rate)) for i in range(runs)]
    page = context.new_page()
    page.goto("/visits/new")
    page.get_by_test_id("visit-form").wait_for()
    cdp = throttle(context, page, rate) if rate > 1 else None
    page.evaluate(PHOTO_PROBE, "visit-photos-camera")
    for i in range(runs):
        page.get_by_test_id("visit-photos-camera").set_input_files(
            files=[{"name": f"IMG_{i}.jpg", "mimeType": "image/jpeg", "buffer": photos[i]}]
        )
        page.wait_for_function(f"window.__photoTimes.length > {i}", timeout=60_000)
    times = page.evaluate("window.__photoTimes")
    if cdp:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    page.close()
    return times


def settle(page: Page) -> None:
    """Let the app's start-up sync finish: measure the form, not a pull running behind it."""
    page.wait_for_load_state("networkidle")
    time.sleep(2)


def drive_visit_form(page: Page) -> None:
    page.goto("/visits/new")
    page.get_by_test_id("visit-form").wait_for()
    settle(page)
    page.evaluate(EVENT_TIMING)
    page.evaluate(ANSWER_PROBE)
    page.get_by_test_id("visit-talent").click()
    picker = page.get_by_test_id("roster-picker")
    picker.get_by_test_id("roster-search").locator("input").press_sequentially("w", delay=80)
    picker.get_by_test_id("roster-row").first.click()
    page.get_by_text("座谈", exact=True).click()
    page.get_by_test_id("visit-place").locator("input").press_sequentially(
        "清源农业科技有限公司", delay=60
    )
    page.get_by_role("button", name="获取定位").click()
    page.get_by_test_id("location-fix").wait_for()
    page.get_by_role("button", name="送政策").click()
    page.get_by_role("button", name="送温暖").click()
    page.get_by_test_id("ask-needs").locator("textarea").press_sequentially(
        "希望协调孩子入学问题", delay=60
    )
    page.get_by_test_id("add-demand-needs").click()
    page.get_by_role("button", name="子女入学").click()
    # A photo is being processed while the visitor keeps typing.
    page.get_by_test_id("visit-photos-camera").set_input_files(
        files=[{"name": "IMG.jpg", "mimeType": "image/jpeg", "buffer": camera_jpeg()}]
    )
    page.get_by_test_id("demand-description").locator("textarea").press_sequentially(
        "孩子秋季转学", delay=60
    )
    page.get_by_test_id("photo-thumb").first.wait_for(timeout=30_000)
    page.get_by_test_id("form-save").click()
    time.sleep(1)


def drive_inspection_form(page: Page) -> None:
    page.goto("/inspections/new")
    page.get_by_test_id("inspection-form").wait_for()
    settle(page)
    page.evaluate(EVENT_TIMING)
    page.evaluate(ANSWER_PROBE)
    page.get_by_test_id("inspection-center").click()
    page.get_by_test_id("roster-picker").get_by_test_id("roster-row").first.click()
    items = page.get_by_test_id("checklist-item")
    for i in range(items.count()):
        items.nth(i).get_by_text("达标", exact=True).click()
    short = items.nth(6)
    short.get_by_text("部分达标", exact=True).click()
    short.get_by_role("button", name="减分").click()
    short.get_by_test_id("item-note").locator("textarea").press_sequentially(
        "值班表未公示", delay=60
    )
    short.get_by_test_id("rectify").click()
    short.get_by_test_id("rectification-unit").locator("input").press_sequentially(
        "东门社区", delay=60
    )
    page.get_by_test_id("form-save").click()
    time.sleep(1)


def measure_interactions(context: BrowserContext, rate: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, drive in (("visit", drive_visit_form), ("inspection", drive_inspection_form)):
        page = context.new_page()
        cdp = throttle(context, page, rate)
        drive(page)
        entries = page.evaluate("window.__interactions")
        answers = page.evaluate("window.__answers")
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        page.close()
        by_id: dict[int, dict[str, Any]] = {}
        for e in entries:
            if e["id"] not in by_id or e["duration"] > by_id[e["id"]]["duration"]:
                by_id[e["id"]] = e
        worst = sorted(by_id.values(), key=lambda e: -e["duration"])
        out[name] = {
            "count": len(answers),
            "answers": sorted(answers, key=lambda a: -a["ms"])[:3],
            "p50": statistics.median(a["ms"] for a in answers) if answers else 0,
            "event_timing": worst[:3],
        }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="repetitions for timed figures")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a budget is exceeded")
    args = parser.parse_args()
    if not (DIST / "index.html").exists():
        print("web/dist is not built: run `make web` first", file=sys.stderr)
        return 2

    load_before = os.getloadavg()[0]
    data_dir = Path(tempfile.mkdtemp(prefix="zoufang-budget-"))
    server = LiveServer(data_dir, free_port())
    over: list[str] = []
    try:
        server.cli("migrate")
        server.cli("seed-demo")
        server.start()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            base = {
                **PHONE,
                "base_url": server.url,
                "service_workers": "allow",
                # Playwright's evaluate() needs this; test_csp.py checks the app under its real CSP.
                "bypass_csp": True,
                "permissions": ["geolocation"],
                "geolocation": HERE,
            }
            fresh = browser.new_context(**base)
            b = measure_bytes(fresh, server.url)
            fresh.close()

            phone = browser.new_context(**base)
            sign_in(phone.new_page())
            cold = measure_cold_start(phone, args.runs, 1)
            cold_slow = measure_cold_start(phone, args.runs, CPU_SLOWDOWN)
            photo = measure_photo(phone, max(3, args.runs // 2), 1)
            photo_slow = measure_photo(phone, 2, CPU_SLOWDOWN)
            inter = measure_interactions(phone, CPU_SLOWDOWN)
            phone.close()
            browser.close()
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)

    def row(label: str, value: float, unit: str, key: str | None = None) -> None:
        """One figure; with `key`, checked against its budget."""
        budget, mark = "", ""
        if key is not None:
            budget = f"≤ {BUDGETS[key]} {unit}"
            mark = "ok" if value <= BUDGETS[key] else "OVER"
            if mark == "OVER":
                over.append(key)
        shown = f"{value:.1f} {unit}" if unit == "KB" else f"{value:.0f} {unit}"
        print(f"  {label:<58} {shown:>10}   {budget:<11} {mark}")

    stamp = time.strftime("%Y-%m-%d %H:%M")
    print(f"Zoufang field app budgets (Chromium, phone viewport, {stamp})")
    # Timings depend on what else the machine runs: say how busy it was.
    load_after = os.getloadavg()[0]
    print(f"Machine: {os.cpu_count()} CPU cores, load average {load_before:.1f} → {load_after:.1f}")

    print("\nBytes (gzip -9 of the built files)")
    row(
        f"Everything loaded on first visit ({b['first_visit_files']} files)",
        b["first_visit"] / KB,
        "KB",
        "first_visit_kb",
    )
    row(
        f"JS for the field screens ({b['field_js_files']} files)",
        b["field_js"] / KB,
        "KB",
        "field_js_kb",
    )
    for route, size in b["per_route"].items():
        row(f"    of which first loaded by {route}", size / KB, "KB")
    row("Service worker precache, in the background (info)", b["precache"] / KB, "KB")

    print(f"\nOffline cold start to an interactive home screen (median of {len(cold)})")
    row("No CPU slowdown", statistics.median(cold), "ms", "cold_start_ms")
    row(f"{CPU_SLOWDOWN}× CPU slowdown (info)", statistics.median(cold_slow), "ms")

    print("\n12 MP photo (4000×3000 JPEG) resized to 1600 px, hashed and stored")
    row(
        f"No CPU slowdown (median of {len(photo)}, max {max(photo):.0f} ms)",
        statistics.median(photo),
        "ms",
        "photo_ms",
    )
    row(
        f"{CPU_SLOWDOWN}× CPU slowdown (info, median of {len(photo_slow)})",
        statistics.median(photo_slow),
        "ms",
    )

    print(
        f"\nForm interactions at {CPU_SLOWDOWN}× CPU slowdown: input to the end of the next frame"
    )
    for form, result in inter.items():
        worst = result["answers"][0]["ms"] if result["answers"] else 0
        row(
            f"{form}: slowest of {result['count']} (median {result['p50']:.0f} ms)",
            worst,
            "ms",
            "interaction_ms",
        )
        for a in result["answers"]:
            row(f"    {a['label']}", a["ms"], "ms")
    print("  Event Timing, up to the frame presented (info: headless software compositing)")
    for form, result in inter.items():
        for e in result["event_timing"][:2]:
            split = f"input {e['delay']:.0f}, handlers {e['handlers']:.0f}"
            row(f"    {form}: {e['name']} on {e['target'] or '?'} ({split})", e["duration"], "ms")

    print("\n" + ("All figures within budget." if not over else f"Over budget: {', '.join(over)}"))
    return 1 if (over and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
