"""End-to-end set-up: a real server process on the embedded default and Debian's Chromium.

The server runs as `zoufang serve` in a child process on its own data directory (SQLite, local
media), seeded with the demo county: the same thing `make run` starts.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Geolocation

from tests.support.live import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    ROOT,
    LiveServer,
    free_port,
)


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    if not (ROOT / "web" / "dist" / "index.html").exists():
        pytest.fail("web/dist is not built: run `make web` first")
    data_dir = Path(tempfile.mkdtemp(prefix="zoufang-e2e-"))
    server = LiveServer(data_dir, free_port())
    server.cli("migrate")
    server.cli("seed-demo")
    server.start()
    yield server
    server.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    return live_server.url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # Playwright's wait_for_function evaluates strings, which the app's CSP (script-src 'self')
    # forbids; test_csp.py checks the app itself under the real policy.
    return {**browser_context_args, **PHONE, "service_workers": "allow", "bypass_csp": True}


#: Where the phones say they are: near the demo county seat.
HERE: Geolocation = {"latitude": 28.2012, "longitude": 112.9034, "accuracy": 18}


@pytest.fixture
def phones(
    browser: Browser, browser_context_args: dict[str, Any]
) -> Iterator[Callable[..., BrowserContext]]:
    """New phones (browser contexts) that allow geolocation and stand at `where`."""
    contexts: list[BrowserContext] = []

    def make(where: Geolocation | None = None) -> BrowserContext:
        context = browser.new_context(
            **browser_context_args, permissions=["geolocation"], geolocation=where or HERE
        )
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
