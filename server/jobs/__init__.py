"""Scheduled jobs that run once across every server process: declared with a schedule and a
handler, claimed through a lease in the run log (``job_run``), retried with backoff, and listed
for admins (``GET /api/jobs/runs``)."""

from server.jobs.scheduler import Job, Run, Scheduler
from server.jobs.schedules import Due, Every, Schedule, Weekly

__all__ = ["Due", "Every", "Job", "Run", "Schedule", "Scheduler", "Weekly"]
