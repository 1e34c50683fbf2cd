"""The production front door: Caddy with this repository's Caddyfile in front of a real server."""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from server.web import CONTENT_SECURITY_POLICY, SECURITY_HEADERS
from tests.e2e.conftest import ROOT, LiveServer, free_port

CADDY = shutil.which("caddy")
pytestmark = pytest.mark.skipif(CADDY is None, reason="Debian package caddy not installed")


@pytest.fixture(scope="module")
def caddy(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    storage = tmp_path_factory.mktemp("caddy")
    https_port, http_port = free_port(), free_port()
    env = {
        **os.environ,
        "ZOUFANG_SITE": f"https://localhost:{https_port}",
        "ZOUFANG_WEB_ROOT": str(ROOT / "web" / "dist"),
        "ZOUFANG_UPSTREAM": f"127.0.0.1:{live_server.port}",
        "ZOUFANG_BODY_LIMIT": "65536",
        "CADDY_STORAGE": str(storage),
        "CADDY_HTTP_PORT": str(http_port),
        "CADDY_HTTPS_PORT": str(https_port),
        "XDG_DATA_HOME": str(storage),
        "XDG_CONFIG_HOME": str(storage),
    }
    log = (storage / "caddy.log").open("wb")
    process = subprocess.Popen(
        [str(CADDY), "run", "--config", str(ROOT / "Caddyfile"), "--adapter", "caddyfile"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"https://localhost:{https_port}"
    root_cert = storage / "pki" / "authorities" / "local" / "root.crt"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if root_cert.exists():
                try:
                    httpx.get(f"{url}/api/health", verify=_trust(root_cert), timeout=2)
                    break
                except httpx.HTTPError:
                    pass
            assert process.poll() is None, (storage / "caddy.log").read_text()
            time.sleep(0.2)
        os.environ["ZOUFANG_CADDY_ROOT_CERT"] = str(root_cert)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def _trust(root_cert: Path | str) -> ssl.SSLContext:
    """Trust Caddy's internal CA for this test only."""
    return ssl.create_default_context(cafile=str(root_cert))


def _client() -> httpx.Client:
    return httpx.Client(verify=_trust(os.environ["ZOUFANG_CADDY_ROOT_CERT"]), timeout=5)


def test_https_proxies_api_and_serves_pwa(caddy: str) -> None:
    with _client() as client:
        health = client.get(f"{caddy}/api/health")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        index = client.get(f"{caddy}/visits/new")  # a client route: the app shell
        assert '<div id="app"' in index.text
        assert index.headers["cache-control"] == "no-cache"
        assert index.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert index.headers["strict-transport-security"].startswith("max-age=")
        assert "includeSubDomains" in index.headers["strict-transport-security"]
        # Errors too, whether the app or Caddy wrote them.
        for error in (client.get(f"{caddy}/api/no-such-thing"), client.get(f"{caddy}/api/me")):
            for name, value in SECURITY_HEADERS.items():
                assert error.headers[name] == value
        assert client.get(f"{caddy}/sw.js").headers["cache-control"] == "no-cache"
        # The largest script: Caddy leaves files under its minimum length (512 B) uncompressed.
        scripts = (ROOT / "web" / "dist" / "assets").glob("*.js")
        asset = max(scripts, key=lambda p: p.stat().st_size).name
        response = client.get(f"{caddy}/assets/{asset}", headers={"Accept-Encoding": "gzip"})
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers.get("content-encoding") in {"gzip", "zstd"}
        assert client.get(f"{caddy}/assets/missing-0000.js").status_code == 404


def test_body_limit(caddy: str) -> None:
    with _client() as client:
        response = client.post(f"{caddy}/api/auth/login", content=b"x" * 200_000)
        assert response.status_code == 413
        assert response.json()["code"] == "payload.too_large"
        assert response.headers["x-content-type-options"] == "nosniff"
        # Under the limit the request reaches the app (and gets the app's own answer).
        small = client.post(f"{caddy}/api/auth/login", content=b"{}")
        assert small.status_code == 400 and small.json()["code"] == "request.validation"


def test_caddyfile_csp_matches_the_app() -> None:
    text = (ROOT / "Caddyfile").read_text()
    assert f'Content-Security-Policy "{CONTENT_SECURITY_POLICY}"' in text


def test_caddyfile_validates(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(CADDY), "validate", "--config", str(ROOT / "Caddyfile"), "--adapter", "caddyfile"],
        env={**os.environ, "CADDY_STORAGE": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
