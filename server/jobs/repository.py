"""Queries on the run log. Every change of a run names its owner, so a process that lost its
lease (it stalled and another took over) can no longer write to the run."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from server.jobs.tables import JobRun

#: Namespace of run ids (uuid5 of the job and period).
_RUNS = uuid.UUID("0c7e3b1e-5a0f-4d0e-9a43-6a1b0d9f2c11")

#: Insert the occurrence's run, or take over one whose lease expired or whose retry is due: one
#: statement, atomic on both engines (PostgreSQL re-checks the WHERE on the row a concurrent
#: claim just wrote; SQLite has one writer at a time). A row comes back only to the claimer.
_CLAIM = """
INSERT INTO job_run (id, job, period, state, attempts, owner, lease_expires_at,
                     next_attempt_at, last_error, started_at, finished_at, created_at)
VALUES ({}, {}, {}, 'running', 1, {}, {}, NULL, '', {}, NULL, {})
ON CONFLICT (id) DO UPDATE SET
    state = 'running', attempts = job_run.attempts + 1, owner = excluded.owner,
    lease_expires_at = excluded.lease_expires_at, started_at = excluded.started_at,
    finished_at = NULL
WHERE job_run.attempts < {} AND (
    (job_run.state = 'running' AND job_run.lease_expires_at < excluded.started_at)
    OR (job_run.state = 'retrying' AND job_run.next_attempt_at <= excluded.started_at))
RETURNING attempts
"""


def run_id(job: str, period: str) -> uuid.UUID:
    """The run's id: the same in every process for the same occurrence."""
    return uuid.uuid5(_RUNS, f"{job}\n{period}")


async def find(job: str, period: str) -> dict[str, Any] | None:
    """The occurrence's run, if any process claimed it."""
    return await JobRun.select().where(JobRun.id == run_id(job, period)).first()


async def claim(
    job: str,
    period: str,
    owner: str,
    now: dt.datetime,
    lease_until: dt.datetime,
    max_attempts: int,
) -> int | None:
    """Claim the occurrence for ``owner`` until ``lease_until``; the attempt number, or None
    when another process holds it, finished it, or its retry is not due."""
    key = run_id(job, period)
    rows = await JobRun.raw(_CLAIM, key, job, period, owner, lease_until, now, now, max_attempts)
    return int(rows[0]["attempts"]) if rows else None


def _held(job: str, period: str, owner: str) -> Any:
    return (
        (JobRun.id == run_id(job, period)) & (JobRun.owner == owner) & (JobRun.state == "running")
    )


async def renew(job: str, period: str, owner: str, lease_until: dt.datetime) -> bool:
    """Extend the lease; False when ``owner`` no longer holds it."""
    rows = (
        await JobRun.update({JobRun.lease_expires_at: lease_until})
        .where(_held(job, period, owner))
        .returning(JobRun.id)
    )
    return bool(rows)


async def finish(job: str, period: str, owner: str, now: dt.datetime) -> bool:
    """The run succeeded."""
    rows = (
        await JobRun.update(
            {JobRun.state: "done", JobRun.finished_at: now, JobRun.lease_expires_at: None}
        )
        .where(_held(job, period, owner))
        .returning(JobRun.id)
    )
    return bool(rows)


async def fail(
    job: str,
    period: str,
    owner: str,
    now: dt.datetime,
    error: str,
    retry_at: dt.datetime | None,
) -> bool:
    """The run failed: claimable again from ``retry_at``, or given up when that is None."""
    rows = (
        await JobRun.update(
            {
                JobRun.state: "failed" if retry_at is None else "retrying",
                JobRun.next_attempt_at: retry_at,
                JobRun.last_error: error[:2000],
                JobRun.finished_at: now,
                JobRun.lease_expires_at: None,
            }
        )
        .where(_held(job, period, owner))
        .returning(JobRun.id)
    )
    return bool(rows)


async def give_up_abandoned(job: str, period: str, now: dt.datetime, max_attempts: int) -> bool:
    """A run whose holder stopped (its lease expired) after its last allowed attempt is failed
    for good, instead of crashing a process once per lease for ever."""
    rows = (
        await JobRun.update(
            {
                JobRun.state: "failed",
                JobRun.last_error: "the process running it stopped (its lease expired)",
                JobRun.finished_at: now,
                JobRun.lease_expires_at: None,
            }
        )
        .where(
            (JobRun.id == run_id(job, period))
            & (JobRun.state == "running")
            & (JobRun.lease_expires_at < now)
            & (JobRun.attempts >= max_attempts)
        )
        .returning(JobRun.id)
    )
    return bool(rows)


async def supersede(job: str, period: str, now: dt.datetime) -> int:
    """Earlier occurrences still waiting for a retry, or abandoned by a stopped process, are
    failed for good once a later one is claimed (only the latest occurrence is run)."""
    waiting = (JobRun.state == "retrying") | (
        (JobRun.state == "running") & (JobRun.lease_expires_at < now)
    )
    rows = (
        await JobRun.update(
            {
                JobRun.state: "failed",
                JobRun.last_error: JobRun.last_error + f" [superseded by {period}]",
                JobRun.finished_at: now,
                JobRun.lease_expires_at: None,
            }
        )
        .where((JobRun.job == job) & (JobRun.period != period) & waiting)
        .returning(JobRun.id)
    )
    return len(rows)


async def list_runs(
    job: str | None, state: str | None, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """A page of runs, latest start first."""
    where: Any = JobRun.id.is_not_null()
    if job:
        where &= JobRun.job == job
    if state:
        where &= JobRun.state == state
    total = await JobRun.count().where(where)
    rows = await (
        JobRun.select()
        .where(where)
        .order_by(JobRun.started_at, ascending=False)
        .order_by(JobRun.job)
        .limit(limit)
        .offset(offset)
    )
    return total, rows
