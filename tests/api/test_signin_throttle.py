"""Sign-in throttling under parallel attempts, per address, and what a failure leaves behind
(security review, issue 19: findings 1, 6, 10 and 15)."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from typing import Any

import httpx
import pytest

from server.accounts import service, throttle
from server.accounts.tables import LoginThrottle
from server.audit.tables import AuditLog
from server.db import json_load, utcnow
from server.demo import DEMO_PASSWORD
from server.security import VERIFY_AT_ONCE, verify_password

Client = httpx.AsyncClient
LOGIN = "/api/auth/login"


def _from(address: str) -> dict[str, str]:
    # The test client's peer is loopback, a trusted proxy by default: it may name the client.
    return {"X-Forwarded-For": address}


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every password check: in which thread, and how many ran at once. Each takes 50 ms
    more, so parallel attempts overlap as they do against a real Argon2 check."""
    seen: list[dict[str, Any]] = []
    running = [0]
    lock = threading.Lock()

    def slow_verify(password_hash: str | None, password: str) -> bool:
        with lock:
            running[0] += 1
            seen.append({"thread": threading.get_ident(), "at_once": running[0]})
        time.sleep(0.05)  # a relative sleep: a timed wait on an event hangs under faketime
        with lock:
            running[0] -= 1
        return verify_password(password_hash, password)

    monkeypatch.setattr("server.security.verify_password", slow_verify)
    return seen


#: Sign-ins race each other: each needs its own connection and committed counts.
pytestmark = pytest.mark.commits


async def test_parallel_wrong_passwords_get_no_more_checks_than_the_limit(
    client: Client, checks: list[dict[str, Any]]
) -> None:
    statuses: list[int] = []
    for _ in range(4):
        answers = await asyncio.gather(
            *(client.post(LOGIN, json={"username": "lisi", "password": "wrong"}) for _ in range(9))
        )
        statuses += [answer.status_code for answer in answers]
    assert len(checks) == 5  # the limit, not 29 of 36
    assert statuses.count(401) + statuses.count(429) == 36 and statuses.count(401) <= 5
    right = await client.post(LOGIN, json={"username": "lisi", "password": DEMO_PASSWORD})
    assert right.status_code == 429 and right.json()["code"] == "auth.throttled"


async def test_password_checks_run_off_the_event_loop_a_few_at_a_time(
    client: Client, checks: list[dict[str, Any]]
) -> None:
    loop_thread = threading.get_ident()
    await asyncio.gather(
        *(client.post(LOGIN, json={"username": f"nobody{i}", "password": "x"}) for i in range(10))
    )
    assert len(checks) == 10
    assert all(check["thread"] != loop_thread for check in checks)
    assert max(check["at_once"] for check in checks) <= VERIFY_AT_ONCE


async def test_a_failure_never_clears_or_extends_a_live_lock(client: Client) -> None:
    key = "name:test"
    for _ in range(5):
        assert await throttle.admit(key, 5, 300) is None
    # All five were admitted before any failed: a sixth waits, without a lock yet.
    assert await throttle.admit(key, 5, 300) is not None
    until = None
    for _ in range(5):
        until = await throttle.failed(key, 5, 300)
    assert until is not None
    # A straggler that was admitted before the lock fails later: the lock stays as it was.
    assert await throttle.failed(key, 5, 300) == until
    assert await throttle.admit(key, 5, 300) == until


async def test_right_password_during_a_lock_does_not_extend_it(client: Client) -> None:
    for _ in range(5):
        await client.post(LOGIN, json={"username": "lisi", "password": "wrong"})
    rows = await LoginThrottle.select(LoginThrottle.locked_until).where(
        LoginThrottle.locked_until.is_not_null()
    )
    assert len(rows) == 1
    right = await client.post(LOGIN, json={"username": "lisi", "password": DEMO_PASSWORD})
    assert right.status_code == 429
    again = await LoginThrottle.select(LoginThrottle.locked_until).where(
        LoginThrottle.locked_until.is_not_null()
    )
    assert again == rows


async def test_one_address_is_limited_across_usernames(client: Client) -> None:
    for i in range(19):
        answer = await client.post(
            LOGIN, json={"username": f"guess{i}", "password": "x"}, headers=_from("203.0.113.7")
        )
        assert answer.status_code == 401
    answer = await client.post(
        LOGIN, json={"username": "guess19", "password": "x"}, headers=_from("203.0.113.7")
    )
    assert answer.status_code == 429
    assert 0 < answer.json()["details"]["retry_after"] <= 300
    right = {"username": "zhangsan", "password": DEMO_PASSWORD}
    assert (await client.post(LOGIN, json=right, headers=_from("203.0.113.7"))).status_code == 429
    assert (await client.post(LOGIN, json=right, headers=_from("203.0.113.8"))).status_code == 200


async def test_rows_past_their_window_are_forgotten(client: Client) -> None:
    old = utcnow() - dt.timedelta(hours=1)
    await LoginThrottle.insert(
        *(
            LoginThrottle(key=f"name:old{i}", failures=3, counting_since=old, updated_at=old)
            for i in range(50)
        )
    )
    await client.post(LOGIN, json={"username": "someone", "password": "x"})
    assert await LoginThrottle.count() == 2  # this attempt's username and address


async def test_a_failed_sign_in_keeps_no_typed_name(client: Client) -> None:
    typed = "Secret-Passw0rd"
    assert (await client.post(LOGIN, json={"username": typed, "password": "x"})).status_code == 401
    entry = await AuditLog.select().where(AuditLog.action == "auth.login_failed").first()
    assert entry is not None
    assert typed.lower() not in str(entry).lower()
    assert json_load(entry["details"])["username_digest"] == service.username_digest(typed)[:16]
    keys = [row["key"] for row in await LoginThrottle.select(LoginThrottle.key)]
    assert keys and not any(typed.lower() in key for key in keys)
    # A known account is named by its id.
    await client.post(LOGIN, json={"username": "lisi", "password": "x"})
    known = (
        await AuditLog.select()
        .where(AuditLog.action == "auth.login_failed")
        .order_by(AuditLog.created_at, ascending=False)
        .first()
    )
    assert known is not None and "user_id" in json_load(known["details"])


async def test_forwarded_address_is_bounded(client: Client) -> None:
    # Not an address: the proxy's own address is the client's (stored within 64 characters).
    answer = await client.post(
        LOGIN, json={"username": "lisi", "password": "x"}, headers=_from("x" * 200)
    )
    assert answer.status_code == 401
    entry = await AuditLog.select().where(AuditLog.action == "auth.login_failed").first()
    assert entry is not None and entry["ip"] == "127.0.0.1"
