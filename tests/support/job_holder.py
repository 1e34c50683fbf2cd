"""A process that claims a job and hangs in it, for a test to kill mid-run:
``python -m tests.support.job_holder JOB LEASE_SECONDS`` (the database from the environment).
Prints ``claimed <attempt>`` once it holds the run, or ``not claimed``."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys

from server.jobs import Every, Job, Run, Scheduler


async def _hang(run: Run) -> None:
    print(f"claimed {run.attempt}", flush=True)
    await asyncio.Event().wait()


async def main(name: str, lease_seconds: float) -> None:
    scheduler = Scheduler([Job(name, Every(1), _hang)], lease=dt.timedelta(seconds=lease_seconds))
    if not await scheduler.tick():
        print("not claimed", flush=True)
        return
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2])))
