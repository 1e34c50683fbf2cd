"""Automatic 催办 and 督办: a daily job reminds handler units of demands due on the next working
day, and escalates overdue ones to the reviewers of the demand's unit.

Each reminder is a row of ``demand_reminder`` keyed by demand, kind and due date, inserted with
ON CONFLICT DO NOTHING: however many processes run the job, however often it is retried, a
demand is urged once and escalated once per due date (an approved extension gives a new one).
"""

from __future__ import annotations

import datetime as dt
import logging

from server.calendar.service import calendar
from server.db import county_today, transaction, utcnow
from server.demands.steps import IN_HAND
from server.demands.tables import Demand, DemandReminder
from server.jobs import Every, Job, Run

log = logging.getLogger(__name__)


async def send_reminders(today: dt.date | None = None) -> dict[str, int]:
    """Send today's 催办 and 督办; returns how many of each were new."""
    today = today or county_today()
    # The next working day: a demand due by then is urged today (on a Friday, Monday's too).
    next_working = (await calendar(today, today)).add_working_days(today, 1)
    rows = await Demand.select(Demand.id, Demand.due_date).where(
        Demand.deleted_at.is_null()
        & Demand.status.is_in(list(IN_HAND))
        & Demand.due_date.is_not_null()
        & (Demand.due_date <= next_working)
    )
    sent = {"urge": 0, "escalate": 0}
    now = utcnow()
    async with transaction():
        for r in rows:
            kind = "escalate" if r["due_date"] < today else "urge"
            key = f"{r['id']}:{kind}:{r['due_date'].isoformat()}"
            inserted = await (
                DemandReminder.insert(
                    DemandReminder(
                        key=key,
                        demand=r["id"],
                        kind=kind,
                        due_date=r["due_date"],
                        created_at=now,
                    )
                )
                .on_conflict(target=DemandReminder.key, action="DO NOTHING")
                .returning(DemandReminder.key)
            )
            sent[kind] += len(inserted)
    return sent


def reminders_job() -> Job:
    """The reminders as a scheduled job: once a county day, run by one server process."""

    async def scheduled_reminders(run: Run) -> None:
        sent = await send_reminders()
        if any(sent.values()):
            log.info("demand reminders: %s", sent)

    return Job(name="demands.reminders", schedule=Every(24), handler=scheduled_reminders)
