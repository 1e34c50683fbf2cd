"""Scheduled jobs that run once however many server processes there are.

Every process runs a :class:`Scheduler` in its lifespan. Each poll it asks every job's
schedule for the latest occurrence and tries to claim it in the run log (``job_run``); the
claim is one atomic statement, so one process wins and the others leave the occurrence alone.
The winner renews its lease while the handler runs; if it dies, the lease expires and the next
process to poll takes the run over. A failed run is retried after a backoff that doubles each
time, up to the job's ``max_attempts``, and stays in the run log for admins
(``GET /api/jobs/runs``) either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import os
import random
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from server.db import utcnow
from server.jobs import repository
from server.jobs.schedules import Due, Schedule

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Run:
    """What a handler is told about the run it executes."""

    job: str
    #: The occurrence's key (see :mod:`server.jobs.schedules`).
    period: str
    #: When the occurrence became due (UTC).
    due_at: dt.datetime
    #: 1 for the first claim; a retry or a takeover after a crash counts up.
    attempt: int


@dataclass(frozen=True)
class Job:
    """A job, declared once: its name in the run log, when it is due and what it does."""

    name: str
    schedule: Schedule
    handler: Callable[[Run], Awaitable[object]]
    #: Claims allowed per occurrence (a takeover after a crash is one).
    max_attempts: int = 5
    #: Wait before the first retry; doubled for each later one, up to ``retry_cap``.
    retry_after: dt.timedelta = dt.timedelta(minutes=1)
    retry_cap: dt.timedelta = dt.timedelta(hours=1)

    def backoff(self, attempt: int) -> dt.timedelta:
        """How long to wait after failed attempt number ``attempt``."""
        return min(self.retry_after * 2 ** (attempt - 1), self.retry_cap)


def process_owner() -> str:
    """A name for this scheduler in the run log: host, process id and a nonce (two schedulers
    in one process, as in tests, are still two owners)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Scheduler:
    """Claims and runs the due occurrences of ``jobs`` (see the module)."""

    def __init__(
        self,
        jobs: Sequence[Job],
        *,
        lease: dt.timedelta = dt.timedelta(minutes=5),
        poll: float = 30.0,
        owner: str | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        names = [job.name for job in jobs]
        if len(set(names)) != len(names):
            raise ValueError(f"job names must be unique: {names}")
        self.jobs = list(jobs)
        self.lease = lease
        self.poll = poll
        self.owner = owner or process_owner()
        self._clock = clock
        #: Runs executing in this process, by job name (a job never runs twice at once here).
        self._running: dict[str, asyncio.Task[None]] = {}

    async def run_forever(self) -> None:
        """Poll until cancelled; the first poll comes within one interval of start-up (spread
        at random, so several processes started together do not all poll at once)."""
        await asyncio.sleep(random.uniform(0.5, 1.0) * self.poll)
        while True:
            try:
                await self.tick()
            except Exception:  # the database may be away for a moment; poll again later
                log.exception("jobs: poll failed")
            await asyncio.sleep(self.poll)

    async def tick(self) -> list[asyncio.Task[None]]:
        """Claim every due occurrence this process can and start it; returns the runs started."""
        started = []
        for job in self.jobs:
            if job.name in self._running:
                continue
            due = job.schedule.latest(self._clock())
            if (attempt := await self._claim(job, due)) is None:
                continue
            run = Run(job=job.name, period=due.period, due_at=due.at, attempt=attempt)
            task = asyncio.create_task(self._execute(job, run), name=f"job {job.name}")
            self._running[job.name] = task
            task.add_done_callback(functools.partial(self._forget, job.name))
            started.append(task)
        return started

    def _forget(self, name: str, task: asyncio.Task[None]) -> None:
        self._running.pop(name, None)
        if not task.cancelled() and (error := task.exception()) is not None:
            # Recording the outcome failed (the database went away): the lease will expire
            # and another process retries the run.
            log.error("job %s: recording the outcome failed", name, exc_info=error)

    async def _claim(self, job: Job, due: Due) -> int | None:
        now = self._clock()
        # A read first: most polls find the occurrence done, and a read takes no write lock.
        existing = await repository.find(job.name, due.period)
        if existing is not None:
            if existing["state"] in ("done", "failed"):
                return None
            if existing["state"] == "running" and existing["lease_expires_at"] >= now:
                return None
            if existing["state"] == "retrying" and existing["next_attempt_at"] > now:
                return None
            if existing["attempts"] >= job.max_attempts:
                if await repository.give_up_abandoned(job.name, due.period, now, job.max_attempts):
                    log.error("job %s %s: given up, its holder stopped", job.name, due.period)
                return None
        attempt = await repository.claim(
            job.name, due.period, self.owner, now, now + self.lease, job.max_attempts
        )
        if attempt is not None and attempt == 1:
            await repository.supersede(job.name, due.period, now)
        return attempt

    async def _execute(self, job: Job, run: Run) -> None:
        log.info("job %s %s: attempt %d by %s", job.name, run.period, run.attempt, self.owner)
        began = time.monotonic()
        handler = asyncio.ensure_future(job.handler(run))
        keeper = asyncio.create_task(self._keep_lease(job, run, handler))
        try:
            await handler
        except asyncio.CancelledError:
            if keeper.done():  # the lease was lost: whoever holds it now writes the outcome
                return
            # Stopping (the app's shutdown): hand the run to the next process at once.
            now = self._clock()
            retry_at = now if run.attempt < job.max_attempts else None
            with contextlib.suppress(Exception):
                await repository.fail(
                    job.name, run.period, self.owner, now, "interrupted", retry_at
                )
            raise
        except Exception as exc:
            retry_at = None
            if run.attempt < job.max_attempts:
                retry_at = self._clock() + job.backoff(run.attempt)
            error = f"{type(exc).__name__}: {exc}"
            await repository.fail(job.name, run.period, self.owner, self._clock(), error, retry_at)
            log.exception(
                "job %s %s: attempt %d failed; %s",
                job.name,
                run.period,
                run.attempt,
                f"retry at {retry_at.isoformat()}" if retry_at else "given up",
            )
        else:
            await repository.finish(job.name, run.period, self.owner, self._clock())
            log.info("job %s %s: done in %.1f s", job.name, run.period, time.monotonic() - began)
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper

    async def _keep_lease(self, job: Job, run: Run, handler: asyncio.Future[object]) -> None:
        """Renew the lease a few times per lease period; stop the handler if it was lost (this
        process stalled past the lease and another took the run over)."""
        interval = self.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(interval)
            try:
                held = await repository.renew(
                    job.name, run.period, self.owner, self._clock() + self.lease
                )
            except Exception:  # keep trying while the lease lasts
                log.exception("job %s %s: renewing the lease failed", job.name, run.period)
                continue
            if not held:
                log.error("job %s %s: lease lost, stopping this attempt", job.name, run.period)
                handler.cancel()
                return

    async def stop(self) -> None:
        """Cancel the runs under way here (each hands its run back for another process)."""
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
