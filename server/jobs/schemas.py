"""Wire format of the run log."""

from __future__ import annotations

import datetime as dt

import msgspec


class JobRunOut(msgspec.Struct, kw_only=True):
    job: str
    period: str
    #: running, retrying, done or failed.
    state: str
    attempts: int
    owner: str
    lease_expires_at: dt.datetime | None
    next_attempt_at: dt.datetime | None
    last_error: str
    started_at: dt.datetime
    finished_at: dt.datetime | None


class JobRunPage(msgspec.Struct, kw_only=True):
    total: int
    items: list[JobRunOut]
