"""Reads of personal information leave a trace (PIPL): record details, photos, reports, and one
entry per device per day for pulls, written in batches and once across processes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar

from server.app import create_app
from server.audit.access import AccessLog, access_lifespan
from server.audit.tables import AuditLog
from server.demands.tables import Demand
from tests.support.client import login
from tests.support.db import Snapshot
from tests.support.factories import make_inspection, make_visit
from tests.sync.helpers import Device


@pytest.fixture
async def app(db: Snapshot) -> Litestar:
    return create_app()


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def buffer(app: Litestar) -> AccessLog:
    found: AccessLog = app.state.access_log
    return found


async def entries(action: str) -> list[dict[str, object]]:
    return await AuditLog.select(AuditLog.entity, AuditLog.entity_id, AuditLog.details).where(
        AuditLog.action == action
    )


async def test_detail_reads_and_reports_are_logged_in_one_batch(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    visit_id = await make_visit("zhangsan")
    inspection_id = await make_inspection("zhangsan")
    demand = await Demand.select(Demand.id).where(Demand.visit == visit_id).first()
    assert demand is not None
    boss = await login(client, "zhaoli")
    for path in (
        f"/api/visits/{visit_id}",
        f"/api/inspections/{inspection_id}",
        f"/api/demands/{demand['id']}",
        "/api/reports/weekly?week=2026-W47",
    ):
        assert (await client.get(path, headers=boss)).status_code == 200, path
    # A read that is refused reads nothing.
    field = await login(client, "lisi")
    assert (await client.get(f"/api/visits/{visit_id}", headers=field)).status_code == 404
    # Nothing is written on the request's path: the batch goes when the buffer is flushed.
    assert await entries("access.read") == []
    assert buffer(app).pending == 4
    assert await buffer(app).flush() == 4
    logged = {(e["entity"], e["entity_id"]) for e in await entries("access.read")}
    assert logged == {
        ("visit", str(visit_id)),
        ("inspection", str(inspection_id)),
        ("demand", str(demand["id"])),
        ("weekly_report", "2026-W47"),
    }


async def test_pulls_are_logged_once_per_device_per_day_across_processes(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    headers = await login(client, "zhangsan", "phone-a")
    phone = Device(client, headers, "phone-a")
    await phone.pull_all()
    await phone.pull_all()
    other = Device(client, await login(client, "zhangsan", "phone-b"), "phone-b")
    await other.pull_all()
    assert buffer(app).pending == 2
    # A second process (its own buffer) serving the same device the same day.
    second = create_app()
    transport = httpx.ASGITransport(app=second)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c2:
        await Device(c2, headers, "phone-a").pull_all()
    await buffer(second).flush()
    await buffer(app).flush()
    pulls = await entries("access.pull")
    assert sorted(e["entity_id"] for e in pulls) == ["phone-a", "phone-b"]


async def test_what_is_left_is_written_at_shutdown(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    visit_id = await make_visit("zhangsan")
    headers = await login(client, "zhangsan")
    async with access_lifespan(app):
        assert (await client.get(f"/api/visits/{visit_id}", headers=headers)).status_code == 200
        assert await entries("access.read") == []
    assert [e["entity_id"] for e in await entries("access.read")] == [str(visit_id)]
