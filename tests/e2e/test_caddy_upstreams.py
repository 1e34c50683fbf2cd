"""The Caddyfile balances /api/* over several app processes and leaves out one that is down."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.support.live import ROOT, LiveServer, free_port

CADDY = shutil.which("caddy")
pytestmark = pytest.mark.skipif(CADDY is None, reason="Debian package caddy not installed")


def answered(log: Path) -> int:
    return log.read_text().count('"GET /api/me HTTP/1.1" 401')


def test_requests_spread_over_the_upstreams_and_skip_a_stopped_one(
    live_server: LiveServer, tmp_path: Path
) -> None:
    # A second process on the same data, as a second host would be.
    second = LiveServer(live_server.data_dir, free_port())
    second.log = tmp_path / "second.log"
    second.start()
    port = free_port()
    env = {
        **os.environ,
        # Plain HTTP on a test port: this test is about the upstreams, not TLS.
        "ZOUFANG_SITE": f"http://127.0.0.1:{port}",
        "ZOUFANG_WEB_ROOT": str(ROOT / "web" / "dist"),
        "ZOUFANG_UPSTREAM": f"127.0.0.1:{live_server.port} 127.0.0.1:{second.port}",
        "CADDY_STORAGE": str(tmp_path / "caddy"),
        "CADDY_HTTP_PORT": str(port),
        "CADDY_HTTPS_PORT": str(free_port()),
        "XDG_DATA_HOME": str(tmp_path / "caddy"),
        "XDG_CONFIG_HOME": str(tmp_path / "caddy"),
    }
    caddy_log = tmp_path / "caddy.log"
    with caddy_log.open("wb") as log:
        caddy = subprocess.Popen(
            [str(CADDY), "run", "--config", str(ROOT / "Caddyfile"), "--adapter", "caddyfile"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/api/health"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and caddy.poll() is None, caddy_log.read_text()
            time.sleep(0.2)
        # Counted on /api/me (401 without a token): Caddy's own health checks call /api/health.
        me = f"http://127.0.0.1:{port}/api/me"
        before = answered(live_server.log), answered(second.log)
        with httpx.Client(timeout=5) as client:
            for _ in range(40):
                assert client.get(me).status_code == 401
        after = answered(live_server.log), answered(second.log)
        # Ties in "fewest requests in flight" go to a random upstream: each got some.
        assert all(b > a for a, b in zip(before, after, strict=True)), (before, after)

        second.stop()
        # The stopped process refuses connections: each request is tried on the other one.
        for _ in range(10):
            assert httpx.get(url, timeout=10).status_code == 200
    finally:
        second.stop()
        caddy.terminate()
        caddy.wait(timeout=10)
