"""The OpenAPI fuzzer (schemathesis) against a real ``zoufang serve`` on the demo county, signed
in as a supervisor and as field staff: no 5xx, and every error JSON with a stable code.

Sign-in and sign-out are left out: generated wrong passwords would lock the demo accounts, and
a sign-out would revoke the run's own token.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from server.demo import DEMO_PASSWORD
from tests.support.live import ROOT, LiveServer, free_port

#: Examples per operation in the fuzzing phase (the coverage phase adds its own); two roles
#: give well over 1,000 cases.
MAX_EXAMPLES = 10
#: The whole run's budget per role (seconds), so a slow machine cannot hang the suite.
MAX_TIME = 40
SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))


@pytest.fixture(scope="module")
def live_server() -> Iterator[LiveServer]:
    data_dir = Path(tempfile.mkdtemp(prefix="zoufang-fuzz-"))
    server = LiveServer(data_dir, free_port())
    server.cli("migrate")
    server.cli("seed-demo")
    server.start()
    yield server
    server.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


def _token(server: LiveServer, username: str) -> str:
    response = httpx.post(
        f"{server.url}/api/auth/login",
        json={"username": username, "password": DEMO_PASSWORD, "device_id": "fuzzer"},
    )
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


@pytest.mark.parametrize("username", ["zhaoli", "zhangsan"])
def test_no_server_error_and_json_errors_everywhere(live_server: LiveServer, username: str) -> None:
    started = time.monotonic()
    run = subprocess.run(
        [
            SCHEMATHESIS,
            "run",
            f"{live_server.url}/api/schema/openapi.json",
            "--header",
            f"Authorization: Bearer {_token(live_server, username)}",
            "--checks",
            "not_a_server_error,json_errors",
            "--exclude-path",
            "/api/auth/login",
            "--exclude-path",
            "/api/auth/logout",
            "--phases",
            "coverage,fuzzing",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--max-time",
            str(MAX_TIME),
            "--seed",
            "19",
            "--warnings",
            "off",
            "--no-color",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "SCHEMATHESIS_HOOKS": "tests.fuzz.checks"},
        capture_output=True,
        text=True,
        timeout=MAX_TIME + 60,
    )
    elapsed = time.monotonic() - started
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    found = re.search(r"(\d+) generated, (\d+) passed", run.stdout)
    assert found, run.stdout[-3000:]
    generated = int(found.group(1))
    # Read by the lead's closing note: the case count and time per role.
    print(f"fuzzer as {username}: {generated} cases in {elapsed:.0f} s")
    assert generated >= 500, run.stdout[-3000:]
