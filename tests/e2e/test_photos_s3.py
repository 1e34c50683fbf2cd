"""The offline-photos journey again with photos in an S3 bucket: a SeaweedFS server started for
this module, the app pointed at it (``ZOUFANG_MEDIA_URL``), the photos streamed back through the
app (tests/support/seaweed.py starts and stops the store)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext

from tests.e2e.test_sync_browser import (
    hook_dist,
    test_offline_records_with_photos_arrive_exactly_once,
)
from tests.support import seaweed
from tests.support.live import PHONE, LiveServer, free_port

__all__ = ["hook_dist", "test_offline_records_with_photos_arrive_exactly_once"]


@pytest.fixture(scope="module")
def server(hook_dist: Path) -> Iterator[LiveServer]:
    data_dir = Path(tempfile.mkdtemp(prefix="zoufang-e2e-s3-"))
    store = seaweed.start(data_dir / "seaweed", "zoufang")
    live = LiveServer(data_dir, free_port())
    live.env["ZOUFANG_WEB_DIST"] = str(hook_dist)
    live.env.update(seaweed.environment(store, "zoufang"))
    try:
        live.cli("migrate")
        live.cli("seed-demo")
        live.start()
        yield live
    finally:
        live.stop()
        store.stop()
        # Nothing of a complete photo stayed on the app's disk: they are in the bucket.
        assert not [p for p in (data_dir / "media").glob("??/??/*")]
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def phone(browser: Browser, server: LiveServer) -> Iterator[BrowserContext]:
    context = browser.new_context(
        base_url=server.url, **PHONE, service_workers="allow", bypass_csp=True
    )
    yield context
    context.close()
