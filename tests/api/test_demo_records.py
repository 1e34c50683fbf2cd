"""The demo records `make run` loads: made through the real write paths, once, at every stage."""

from __future__ import annotations

from collections import Counter

import httpx

from server.db import utcnow
from server.demands.tables import Demand, DemandEvent
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
