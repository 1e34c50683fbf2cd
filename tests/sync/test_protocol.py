"""The protocol package: its example messages are what the server really says, its public
surface is curated, and it carries no server code."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

import sync
from server.campaigns.tables import Campaign
from sync import protocol
from tests.support.client import login

EXAMPLES = Path(sync.__file__).parent / "examples"
#: The first day the example messages' records are dated on.
_EXAMPLES_FROM = dt.date(2026, 11, 1)
#: Set to rewrite the response examples from what the server answers (then review the diff).
WRITE = os.environ.get("ZOUFANG_WRITE_EXAMPLES") == "1"

#: Example name → the type it is (the TypeScript client decodes the same files).
TYPES: dict[str, Any] = {
    "push_request": protocol.PushRequest,
    "push_supervisor_request": protocol.PushRequest,
    "push_conflict_request": protocol.PushRequest,
    "push_delete_request": protocol.PushRequest,
    "push_gap_request": protocol.PushRequest,
    "push_response": protocol.PushResponse,
    "push_replay_response": protocol.PushResponse,
    "push_conflict_response": protocol.PushResponse,
    "push_delete_response": protocol.PushResponse,
    "push_gap_response": protocol.PushResponse,
    "pull_request": protocol.PullRequest,
    "pull_after_request": protocol.PullRequest,
    "pull_response": protocol.PullResponse,
    "pull_after_response": protocol.PullResponse,
    "conflicts_response": list[protocol.ConflictRecord],
    "resolve_request": protocol.ResolveRequest,
    "resolve_response": protocol.ConflictRecord,
    "media_status": protocol.MediaStatus,
    "error_unsupported_version": protocol.ErrorBody,
    "error_too_large": protocol.ErrorBody,
}

#: Who sends each request in the example story, in order: (user, device, method, path,
#: request example, response example, status).
STORY = [
    ("zhangsan", "POST", "/api/sync/push", "push_request", "push_response", 200),
    ("zhangsan", "POST", "/api/sync/push", "push_request", "push_replay_response", 200),
    ("zhangsan", "POST", "/api/sync/pull", "pull_request", "pull_response", 200),
    ("zhaoli", "POST", "/api/sync/push", "push_supervisor_request", None, 200),
    ("zhangsan", "POST", "/api/sync/push", "push_conflict_request", "push_conflict_response", 200),
    ("zhangsan", "GET", "/api/sync/conflicts", None, "conflicts_response", 200),
    (
        "zhangsan",
        "POST",
        "/api/sync/conflicts/{conflict}/resolve",
        "resolve_request",
        "resolve_response",
        200,
    ),
    ("zhangsan", "POST", "/api/sync/push", "push_delete_request", "push_delete_response", 200),
    ("zhangsan", "POST", "/api/sync/pull", "pull_after_request", "pull_after_response", 200),
    ("zhangsan", "POST", "/api/sync/push", "push_gap_request", "push_gap_response", 200),
    (
        "zhangsan",
        "POST",
        "/api/sync/push",
        "push_future_version_request",
        "error_unsupported_version",
        400,
    ),
]
DEVICES = {"zhangsan": "example-phone", "zhaoli": "example-tablet"}
#: Values the server makes up at the time (clock, random ids): taken from the example.
VOLATILE = {
    "server_time",
    "clock_skew_seconds",
    "clock_skew_warning",
    "updated_at",
    "submitted_at",
    "created_at",
    "resolved_at",
    "conflict_id",
}


def load(name: str) -> Any:
    return json.loads((EXAMPLES / f"{name}.json").read_text())


def settle(actual: Any, expected: Any) -> Any:
    """``actual`` with the volatile values of ``expected``."""
    if isinstance(actual, dict) and isinstance(expected, dict):
        # A stored conflict's own id is random too.
        volatile = VOLATILE | {"id"} if "record_entity" in actual else VOLATILE
        return {
            k: expected[k] if k in volatile and k in expected else settle(v, expected.get(k))
            for k, v in actual.items()
        }
    if isinstance(actual, list) and isinstance(expected, list) and len(actual) == len(expected):
        return [settle(a, e) for a, e in zip(actual, expected, strict=True)]
    return actual


def _tidy(body: Any) -> Any:
    """Readable stand-ins for the clock-dependent values of a new example."""
    if isinstance(body, list):
        return [_tidy(b) for b in body]
    if not isinstance(body, dict):
        return body
    fixed = {"clock_skew_seconds": -1.25, "clock_skew_warning": False}
    out = {}
    for key, value in body.items():
        if key in fixed:
            out[key] = fixed[key]
        elif key in VOLATILE and isinstance(value, str) and key != "conflict_id":
            out[key] = "2026-11-24T06:00:01.250000Z"
        else:
            out[key] = _tidy(value)
    return out


def check(name: str, body: Any) -> None:
    """The server's answer is the example (or, with ZOUFANG_WRITE_EXAMPLES=1, becomes it)."""
    if WRITE:
        text = json.dumps(_tidy(body), ensure_ascii=False, indent=2)
        (EXAMPLES / f"{name}.json").write_text(text + "\n")
        return
    expected = load(name)
    assert settle(body, expected) == expected, name


@pytest.mark.parametrize("name", sorted(TYPES))
def test_every_example_decodes_and_round_trips(name: str) -> None:
    raw = (EXAMPLES / f"{name}.json").read_bytes()
    decoded = msgspec.json.decode(raw, type=TYPES[name])
    if not name.endswith("_request"):  # requests forbid unknown fields when decoded
        # Responses ignore unknown fields when decoded; a round trip shows there are none.
        assert msgspec.to_builtins(decoded) == json.loads(raw)


def test_every_example_file_is_known() -> None:
    files = {p.stem for p in EXAMPLES.glob("*.json")}
    assert files == set(TYPES) | {"push_future_version_request"}


async def test_the_examples_are_what_the_server_says(client: httpx.AsyncClient) -> None:
    # The examples are fixed documents with visits of November 2026; the demo campaigns run in
    # the year the county was seeded, so they are stretched back to cover those visits.
    await Campaign.update({Campaign.starts_on: _EXAMPLES_FROM}).where(
        Campaign.starts_on > _EXAMPLES_FROM
    )
    headers = {u: await login(client, u, d) for u, d in DEVICES.items()}
    conflict_id = ""
    for user, method, path, request, response, status in STORY:
        content = (EXAMPLES / f"{request}.json").read_bytes() if request else None
        answer = await client.request(
            method, path.format(conflict=conflict_id), content=content, headers=headers[user]
        )
        assert answer.status_code == status, (request, answer.text)
        body = answer.json()
        if request == "push_conflict_request":
            conflict_id = body["results"][0]["conflicts"][0]["conflict_id"]
        if response is not None:
            check(response, body)
    # A photo half uploaded, and one too large.
    photo = b"\xff\xd8\xff\xe0 example photo"
    [visit] = [m["visit"] for m in load("push_request")["mutations"] if m["op"] == "visit.put"][:1]
    url = f"/api/media/{visit['photos'][0]}"
    half = {"Content-Type": "image/jpeg", "Content-Range": f"bytes 0-9/{len(photo)}"}
    answer = await client.put(url, content=photo[:10], headers=headers["zhangsan"] | half)
    check("media_status", answer.json())
    huge = {"Content-Type": "image/jpeg", "Content-Range": "bytes 0-9/99999999"}
    answer = await client.put(url, content=photo[:10], headers=headers["zhangsan"] | huge)
    assert answer.status_code == 413
    check("error_too_large", answer.json())


def test_version_check() -> None:
    protocol.check_version("1.0")
    protocol.check_version("1.9")
    for bad in ("2.0", "0.9", None, 1, "one"):
        with pytest.raises(protocol.ProtocolError) as info:
            protocol.check_version(bad)
        assert info.value.code == "sync.unsupported_version"


def _isort_key(name: str) -> tuple[int, str]:
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


def test_public_surface_is_sorted_and_importable() -> None:
    assert sync.__all__ == sorted(sync.__all__, key=_isort_key)
    for name in sync.__all__:
        assert getattr(sync, name) is not None


def _loaded_packages(imports: str) -> set[str]:
    """The top-level packages outside the standard library that importing ``imports`` loads, in
    a fresh interpreter."""
    code = (
        f"import sys, {imports}\n"
        "print(' '.join({m.split('.')[0] for m in sys.modules} - set(sys.stdlib_module_names)))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(sync.__file__).parent.parent,
    )
    return set(run.stdout.split())


def test_sync_package_imports_no_server_code() -> None:
    code = (
        "import sys, sync, sync.client, sync.outbox, sync.protocol, sync.cli\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'litestar', 'piccolo', 'server', 'asyncpg'})\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(sync.__file__).parent.parent)
    # msgspec and httpx alone (with what they load themselves): the CLI's progress bar (tqdm)
    # is imported only when the CLI runs.
    loaded = _loaded_packages("sync, sync.client, sync.outbox, sync.protocol, sync.cli")
    assert loaded - _loaded_packages("httpx, msgspec") == {"sync"}
    assert not loaded & {"tqdm", "litestar", "piccolo", "server"}
