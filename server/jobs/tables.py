"""The run log of scheduled jobs, which is also their lease."""

from piccolo.columns import UUID, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class JobRun(Table, tablename="job_run"):
    """One run of a scheduled job for one period, shared by every server process.

    The row is the lease: whoever inserts it for ``(job, period)``, or takes it over once its
    lease has expired or its retry is due, runs the job; every other process sees the row and
    leaves the period alone. So a job runs once per period however many processes serve.
    """

    #: Derived from ``(job, period)`` (:func:`server.jobs.repository.run_id`), so the primary
    #: key is the lease's uniqueness: a second claim of the same occurrence conflicts on it.
    id = UUID(primary_key=True)
    #: The job's registered name, e.g. ``retention.purge``.
    job = Varchar(length=60)
    #: Which occurrence: a county-time slot (``2026-12-01T00:00+08:00``) or an ISO week
    #: (``2026-W49``).
    period = Varchar(length=40)
    #: ``running`` (its owner holds the lease until ``lease_expires_at``), ``retrying`` (it
    #: failed; claimable again from ``next_attempt_at``), ``done``, or ``failed`` (its last
    #: allowed attempt failed; kept for a person to look into).
    state = Varchar(length=10)
    #: Claims so far (a takeover after a crash counts as one).
    attempts = Integer(default=0)
    #: The process holding or last holding the lease (``host:pid:nonce``).
    owner = Varchar(length=120, default="")
    lease_expires_at = Timestamptz(null=True, default=None)
    #: A failed run may be claimed again from then on (its backoff).
    next_attempt_at = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    started_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


__all__ = ["JobRun"]
