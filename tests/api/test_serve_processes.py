"""Several real server processes on one database: a scheduled job due when two `zoufang serve`
start at once runs once, and `zoufang serve --workers 2` answers from both workers and replaces
one that dies."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys
import time
from pathlib import Path

import httpx
import pytest

from server.audit.tables import AuditLog
from server.db import utcnow
from server.jobs.tables import JobRun
from server.visits.tables import Visit
from tests.support.db import Snapshot
from tests.support.factories import make_visit
from tests.support.live import ROOT, LiveServer, free_port


def live(tmp_path: Path, name: str, **env: str) -> LiveServer:
    """A server on this session's database and key, with its own folder and log."""
    folder = tmp_path / name
    folder.mkdir()
    server = LiveServer(folder, free_port())
    server.env.update(
        DATABASE_URL=os.environ["DATABASE_URL"], SECRET_KEY=os.environ["SECRET_KEY"], **env
    )
    return server


@pytest.mark.commits  # real server processes read and write the database
async def test_two_servers_started_at_once_purge_once(db: Snapshot, tmp_path: Path) -> None:
    withdrawn = await make_visit("zhangsan")
    long_ago = utcnow() - dt.timedelta(days=91)
    await Visit.update({Visit.deleted_at: long_ago, Visit.updated_at: long_ago}).where(
        Visit.id == withdrawn
    )
    # The purge is due at once (its slot never ran) and each process polls every second.
    servers = [live(tmp_path, name, PURGE_EVERY_HOURS="1", JOBS_POLL_SECONDS="1") for name in "ab"]
    try:
        await asyncio.gather(*(asyncio.to_thread(s.start) for s in servers))
        deadline = time.monotonic() + 30
        purge = JobRun.job == "retention.purge"  # the demand reminders run alongside
        while await JobRun.count().where(purge & (JobRun.state == "done")) == 0:
            assert time.monotonic() < deadline, "the purge never ran"
            await asyncio.sleep(0.2)
        await asyncio.sleep(3)  # both processes poll a few more times
    finally:
        for server in servers:
            await asyncio.to_thread(server.stop)
    (run,) = await JobRun.select(JobRun.job, JobRun.state, JobRun.attempts).where(purge)
    assert run == {"job": "retention.purge", "state": "done", "attempts": 1}
    assert not await Visit.exists().where(Visit.id == withdrawn)
    assert await AuditLog.count().where(AuditLog.action == "retention.purge") == 1
    started = [
        line
        for server in servers
        for line in server.log.read_text().splitlines()
        if "job retention.purge" in line and "attempt 1" in line
    ]
    assert len(started) == 1, started


async def test_processes_migrating_a_fresh_database_at_once_take_turns(tmp_path: Path) -> None:
    """Two hosts started together after an upgrade: one applies the migrations, the other
    waits for it and finds nothing left to do (without the lock one failed on a duplicate
    table, on either engine)."""
    url = os.environ["DATABASE_URL"]
    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    if url.startswith("postgres"):
        base, name = url.rsplit("/", 1)
        fresh = f"{base}/{name}_fresh"
        await _admin(url, f'CREATE DATABASE "{name}_fresh"')
    env = {**os.environ, "DATABASE_URL": fresh, "ZOUFANG_DATA_DIR": str(tmp_path)}
    try:
        migrations = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "server.cli",
                "migrate",
                cwd=ROOT,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            for _ in range(2)
        ]
        outputs = [(await m.communicate())[0].decode() for m in migrations]
        assert [m.returncode for m in migrations] == [0, 0], outputs
        assert sum("No migrations need to be run" in out for out in outputs) == 1, outputs
    finally:
        if url.startswith("postgres"):
            await _admin(url, f'DROP DATABASE IF EXISTS "{name}_fresh" WITH (FORCE)')


async def _admin(url: str, sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def workers_of(parent: int) -> set[int]:
    """uvicorn's worker processes under ``parent`` (not multiprocessing's helper process)."""
    found = set()
    for child in Path(f"/proc/{parent}/task/{parent}/children").read_text().split():
        cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        if b"spawn_main" in cmdline:
            found.add(int(child))
    return found


def answers_alone(server: LiveServer, worker: int, others: set[int]) -> bool:
    """Does ``worker`` answer while every other worker is stopped? (Kept short: uvicorn's
    supervisor replaces a worker that does not answer its ping within 5 s.)"""
    for other in others:
        os.kill(other, signal.SIGSTOP)
    try:
        return httpx.get(f"{server.url}/api/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
    finally:
        for other in others:
            os.kill(other, signal.SIGCONT)


def each_answers(server: LiveServer, workers: set[int]) -> None:
    deadline = time.monotonic() + 60
    for worker in workers:
        while not answers_alone(server, worker, workers - {worker}):
            assert time.monotonic() < deadline, f"worker {worker} never answered alone"
            time.sleep(0.5)


@pytest.mark.slow  # about 20 s: two workers start, one is killed and replaced
@pytest.mark.skipif(
    "faketime" in os.environ.get("LD_PRELOAD", ""),
    reason="uvicorn's supervisor pings its workers with timed waits, which hang under libfaketime",
)
def test_serve_with_two_workers_answers_from_both_and_replaces_a_dead_one(
    db: Snapshot, tmp_path: Path
) -> None:
    server = live(tmp_path, "workers")
    server.start("--workers", "2")
    try:
        assert server.process is not None
        parent = server.process.pid
        workers = workers_of(parent)
        assert len(workers) == 2, workers
        each_answers(server, workers)

        killed = min(workers)
        os.kill(killed, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while len(replaced := workers_of(parent) - {killed}) < 2:
            assert time.monotonic() < deadline, "the dead worker was not replaced"
            time.sleep(0.2)
        assert killed not in replaced and len(replaced & workers) == 1
        each_answers(server, replaced)
    finally:
        server.stop()
    log = server.log.read_text()
    assert log.count("Started server process") == 3, log[-3000:]
    # Migrations ran once, in the parent, before any worker started.
    assert log.count("No migrations need to be run") == 1
