"""The demo records `make run` loads: made through the real write paths, once, at every stage."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import httpx
import pytest

from server.campaigns.tables import Campaign
from server.db import county_today, utcnow
from server.demands.tables import Demand, DemandEvent
from server.demo import campaign_dates, demo_id
from server.demo_records import seed_records
from server.visits.tables import Visit
from tests.support.client import login


async def test_demo_records_are_made_once_through_the_real_paths(client: httpx.AsyncClient) -> None:
    assert await seed_records() is True
    assert await seed_records() is False  # nothing twice

    statuses = Counter(r["status"] for r in await Visit.select(Visit.status))
    assert statuses == {"approved": 19, "returned": 2, "submitted": 3}
    demands = Counter(r["status"] for r in await Demand.select(Demand.status))
    for stage in ("received", "resolved_on_site", "assigned", "in_progress", "closed"):
        assert demands[stage] > 0, (stage, demands)
    # Every step is an event, set back to a day in the past.
    steps = await DemandEvent.select(DemandEvent.kind, DemandEvent.created_at).where(
        DemandEvent.kind != "received"
    )
    assert {s["kind"] for s in steps} >= {"assign", "progress", "reply", "revisit", "close_out"}
    assert all(s["created_at"] <= utcnow() for s in steps)

    # Each visitor's phone pulls their own eight visits; the supervisor sees the overdue ones.
    visitor = await login(client, "lisi")
    pulled = await client.post(
        "/api/sync/pull",
        json={"protocol_version": "1.0", "cursor": None, "limit": 1000},
        headers=visitor,
    )
    visits = [
        c
        for c in pulled.json()["changes"]
        if c["op"] == "upsert" and c["record"]["entity"] == "visit"
    ]
    assert len(visits) == 8
    boss = await login(client, "zhaoli")
    overdue = (await client.get("/api/demands?view=overdue", headers=boss)).json()
    assert overdue["total"] > 0 and all(d["overdue"] for d in overdue["items"])


@pytest.mark.parametrize(
    ("today", "starts_on", "ends_on"),
    [
        (dt.date(2027, 6, 15), dt.date(2027, 1, 1), dt.date(2027, 12, 31)),
        (dt.date(2028, 2, 29), dt.date(2028, 1, 1), dt.date(2028, 12, 31)),
        # In January the year's campaign opens four weeks back: three weeks of records fit.
        (dt.date(2027, 1, 2), dt.date(2026, 12, 5), dt.date(2027, 12, 31)),
        (dt.date(2026, 12, 31), dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
    ],
)
def test_demo_campaigns_run_this_year(today: dt.date, starts_on: dt.date, ends_on: dt.date) -> None:
    assert campaign_dates(today) == (starts_on, ends_on)


async def test_demo_records_lie_inside_a_campaign_running_today(client: httpx.AsyncClient) -> None:
    assert await seed_records() is True
    campaign = await Campaign.select().where(Campaign.id == demo_id("campaign/sssw")).first()
    assert campaign is not None
    assert campaign["starts_on"] <= county_today() <= campaign["ends_on"]
    assert campaign["name"] == f"{county_today().year}年“三送三问”人才走访"
    days = [r["visited_on"] for r in await Visit.select(Visit.visited_on)]
    assert campaign["starts_on"] <= min(days) and max(days) < county_today()
