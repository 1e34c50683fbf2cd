"""Scheduled jobs run once across processes: independent schedulers on the same database (as
every server process runs one), a holder killed mid-run, retries, and the admins' run log."""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import sys
import time
from typing import Any

import httpx
import pytest

from server.accounts import repository as accounts
from server.db import utcnow
from server.demo import DEMO_PASSWORD, demo_id
from server.jobs import Every, Job, Run, Scheduler, Weekly
from server.jobs import repository as runs
from server.jobs.tables import JobRun
from tests.support.client import login
from tests.support.db import Snapshot
from tests.support.live import ROOT


class Clock:
    """A clock the test moves."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def counting(calls: list[Run]) -> Any:
    async def handler(run: Run) -> None:
        calls.append(run)

    return handler


async def finished(tasks: list[asyncio.Task[None]]) -> int:
    await asyncio.gather(*tasks)
    return len(tasks)


#: Schedulers race each other on their own connections, and a holder is another process.
pytestmark = pytest.mark.commits


async def test_schedulers_polling_at_once_run_a_due_job_once(db: Snapshot) -> None:
    calls: list[Run] = []
    job = Job("test.once", Every(1), counting(calls))
    schedulers = [Scheduler([job]) for _ in range(8)]
    started = await asyncio.gather(*(s.tick() for s in schedulers))
    assert sum([await finished(tasks) for tasks in started]) == 1
    assert [(run.job, run.attempt) for run in calls] == [("test.once", 1)]
    (row,) = await JobRun.select()
    assert (row["state"], row["attempts"], row["period"]) == ("done", 1, calls[0].period)
    assert row["owner"] in {s.owner for s in schedulers}
    assert row["finished_at"] is not None and row["lease_expires_at"] is None
    # Later polls in the same period leave it alone.
    assert [await s.tick() for s in schedulers] == [[]] * 8
    assert len(calls) == 1


async def test_a_failed_run_is_retried_with_backoff_then_given_up_and_stays_visible(
    db: Snapshot,
) -> None:
    clock = Clock(dt.datetime(2026, 11, 30, 0, 30, tzinfo=dt.UTC))
    attempts: list[Run] = []

    async def flaky(run: Run) -> None:
        attempts.append(run)
        raise RuntimeError("mailbox full")

    job = Job("test.flaky", Weekly(0, dt.time(7, 0)), flaky, max_attempts=2)
    first, second = Scheduler([job], clock=clock), Scheduler([job], clock=clock)
    assert await finished(await first.tick()) == 1
    row = await runs.find("test.flaky", "2026-W49")
    assert row is not None
    assert (row["state"], row["attempts"]) == ("retrying", 1)
    assert row["last_error"] == "RuntimeError: mailbox full"
    assert row["next_attempt_at"] == clock.now + dt.timedelta(minutes=1)
    clock.advance(seconds=59)
    assert await second.tick() == []
    clock.advance(seconds=1)  # the backoff is over: any process may retry
    assert await finished(await second.tick()) == 1
    row = await runs.find("test.flaky", "2026-W49")
    assert row is not None
    assert (row["state"], row["attempts"], row["next_attempt_at"]) == ("failed", 2, None)
    clock.advance(days=3)
    assert await first.tick() == [] and await second.tick() == []
    # Next week is a new occurrence; once it is claimed, a retry still pending for an older
    # one is given up (only the latest occurrence runs).
    clock.advance(days=4)
    assert await finished(await first.tick()) == 1
    clock.advance(days=7)
    assert await finished(await first.tick()) == 1
    assert [(r.period, r.attempt) for r in attempts] == [
        ("2026-W49", 1),
        ("2026-W49", 2),
        ("2026-W50", 1),
        ("2026-W51", 1),
    ]
    states = {
        r["period"]: (r["state"], r["last_error"])
        for r in await JobRun.select(JobRun.period, JobRun.state, JobRun.last_error)
    }
    assert states == {
        "2026-W49": ("failed", "RuntimeError: mailbox full"),
        "2026-W50": ("failed", "RuntimeError: mailbox full [superseded by 2026-W51]"),
        "2026-W51": ("retrying", "RuntimeError: mailbox full"),
    }


async def test_a_killed_holder_is_taken_over_once_its_lease_expires(db: Snapshot) -> None:
    lease = 4.0
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.job_holder",
        "test.held",
        str(lease),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert await holder.stdout.readline() == b"claimed 1\n"
        calls: list[Run] = []
        job = Job("test.held", Every(1), counting(calls))
        other = Scheduler([job], lease=dt.timedelta(seconds=lease))
        # While the holder lives it renews its lease: past one lease, still not claimable.
        await asyncio.sleep(lease + 1)
        assert await other.tick() == []
        holder.send_signal(signal.SIGKILL)
        await holder.wait()
        killed_at = time.monotonic()
        while not (started := await other.tick()):
            assert time.monotonic() - killed_at < lease + 10, "the run was never taken over"
            await asyncio.sleep(0.2)
        await finished(started)
        # Not before the lease the holder last renewed had run out.
        assert time.monotonic() - killed_at > lease / 3
    finally:
        if holder.returncode is None:
            holder.kill()
            await holder.wait()
    assert [run.attempt for run in calls] == [2]
    row = await runs.find("test.held", calls[0].period)
    assert row is not None
    assert (row["state"], row["attempts"], row["owner"]) == ("done", 2, other.owner)


async def test_stopping_hands_a_run_back_and_a_lost_lease_stops_the_handler(
    db: Snapshot,
) -> None:
    gate = asyncio.Event()
    calls: list[Run] = []

    async def slow(run: Run) -> None:
        calls.append(run)
        await gate.wait()

    job = Job("test.slow", Every(1), slow)
    first, second = Scheduler([job]), Scheduler([job])
    (task,) = await first.tick()
    await asyncio.sleep(0)
    assert await second.tick() == []
    await first.stop()  # the app's shutdown
    assert task.cancelled()
    row = await runs.find("test.slow", calls[0].period)
    assert row is not None
    assert (row["state"], row["last_error"]) == ("retrying", "interrupted")
    # The next process takes it at once, as attempt 2.
    quick = Scheduler([job], lease=dt.timedelta(seconds=0.3))
    (task,) = await quick.tick()
    await asyncio.sleep(0)
    # Another process took the run over while this one stalled: the handler is stopped and the
    # run left to its new owner.
    await JobRun.update({JobRun.owner: "elsewhere"}).where(JobRun.job == "test.slow")
    await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), 5)
    assert [run.attempt for run in calls] == [1, 2]
    row = await runs.find("test.slow", calls[0].period)
    assert row is not None
    assert (row["state"], row["owner"], row["attempts"]) == ("running", "elsewhere", 2)


async def test_a_holder_that_died_on_the_last_attempt_is_given_up(db: Snapshot) -> None:
    clock = Clock(utcnow())
    calls: list[Run] = []
    job = Job("test.last", Every(1), counting(calls), max_attempts=1)
    period = job.schedule.latest(clock.now).period
    now = clock.now
    assert await runs.claim("test.last", period, "gone", now, now + dt.timedelta(seconds=5), 1)
    clock.advance(seconds=6)
    assert await Scheduler([job], clock=clock).tick() == []
    row = await runs.find("test.last", period)
    assert row is not None
    assert row["state"] == "failed" and "lease expired" in row["last_error"]
    assert calls == []


async def test_admins_of_the_whole_deployment_read_the_run_log(
    client: httpx.AsyncClient,
) -> None:
    clock = Clock(dt.datetime(2026, 11, 30, 0, 30, tzinfo=dt.UTC))

    async def broken(run: Run) -> None:
        raise ValueError("no recipients")

    await finished(await Scheduler([Job("test.ok", Every(24), counting([]))], clock=clock).tick())
    await finished(await Scheduler([Job("test.bad", Every(24), broken)], clock=clock).tick())

    admin = await login(client, "admin")
    answer = await client.get("/api/jobs/runs", headers=admin)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["total"] == 2
    assert {(r["job"], r["state"]) for r in body["items"]} == {
        ("test.ok", "done"),
        ("test.bad", "retrying"),
    }
    failed = await client.get("/api/jobs/runs?state=retrying&limit=1", headers=admin)
    assert failed.json()["total"] == 1
    (item,) = failed.json()["items"]
    assert item["last_error"] == "ValueError: no recipients"
    assert item["period"] == "2026-11-30T00:00+08:00" and item["attempts"] == 1
    paged = await client.get("/api/jobs/runs?limit=1&offset=1&job=test.ok", headers=admin)
    assert paged.json() == {"total": 1, "items": []}
    bad = await client.get("/api/jobs/runs?state=lost", headers=admin)
    assert (bad.status_code, bad.json()["code"]) == (400, "request.validation")

    assert (await client.get("/api/jobs/runs")).status_code == 401
    supervisor = await login(client, "zhaoli")
    refused = await client.get("/api/jobs/runs", headers=supervisor)
    assert (refused.status_code, refused.json()["code"]) == (403, "auth.forbidden")
    # An admin of one township keeps that township, not the deployment's jobs.
    await accounts.create_user("chenjun", DEMO_PASSWORD, "陈军", "admin", demo_id("城关镇"))
    township = await login(client, "chenjun")
    assert (await client.get("/api/jobs/runs", headers=township)).status_code == 403
