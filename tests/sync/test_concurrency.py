"""Concurrent writers never make a puller skip a change."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from server.db import engine, is_postgres, transaction
from server.rosters.tables import Talent
from server.sync.changes import next_change_seq
from tests.support.client import login
from tests.sync.helpers import Device, talent_of, visit

#: Requests at once, each in its own transaction.
pytestmark = pytest.mark.commits

Client = httpx.AsyncClient


async def device(client: Client, username: str, device_id: str = "phone-1") -> Device:
    return Device(client, await login(client, username, device_id), device_id)


def seen(changes: list[dict]) -> set[str]:
    return {c["record"]["id"] for c in changes if c["op"] == "upsert"}


async def test_a_slow_writer_holds_back_later_writers_and_pullers(client: Client) -> None:
    """A writer that has taken a change number but not committed: a later writer waits for it,
    and a pull meanwhile stops below it, so the puller sees both changes afterwards."""
    puller = await device(client, "zhangsan", "puller")
    writer = await device(client, "zhangsan", "writer")
    _, cursor = await puller.pull_all()
    talent = uuid.UUID(talent_of("zhangsan", 3))
    holding, release = asyncio.Event(), asyncio.Event()

    async def slow_writer() -> int:
        async with transaction():
            seq = await next_change_seq(None, "server:test")
            await Talent.update({Talent.title: "研究员", Talent.change_seq: seq}).where(
                Talent.id == talent
            )
            holding.set()
            await release.wait()
        return seq

    slow = asyncio.create_task(slow_writer())
    await holding.wait()
    body = visit(talent_of("zhangsan"))
    pushing = asyncio.create_task(writer.push(writer.put(body)))
    await asyncio.sleep(0.3)
    assert not pushing.done()  # waits for the slow writer's change number to commit
    page = await puller.pull(cursor)
    release.set()
    slow_seq = await asyncio.wait_for(slow, 10)
    assert page["changes"] == []
    assert int(page["cursor"]) < slow_seq
    await asyncio.wait_for(pushing, 10)
    changes, _ = await puller.pull_all(page["cursor"])
    assert {str(talent), body["id"]} <= seen(changes)


async def test_concurrent_pushes_and_pulls_lose_nothing(client: Client) -> None:
    devices = [
        await device(client, "zhangsan", "a"),
        await device(client, "zhangsan", "b"),
        await device(client, "lisi", "c"),
        await device(client, "wangwu", "d"),
    ]
    boss = await device(client, "zhaoli", "boss")
    _, cursor = await boss.pull_all()
    rounds = 12 if is_postgres() else 6
    created: set[str] = set()
    collected: set[str] = set()
    done = asyncio.Event()

    async def writer(d: Device, n: int) -> None:
        username = {"a": "zhangsan", "b": "zhangsan", "c": "lisi", "d": "wangwu"}[d.device_id]
        for i in range(rounds):
            bodies = [visit(talent_of(username, (n * rounds + i) % 40)) for _ in range(2)]
            created.update(b["id"] for b in bodies)
            response = await d.push(*(d.put(b) for b in bodies))
            assert [r["status"] for r in response["results"]] == ["applied", "applied"]

    async def puller() -> None:
        nonlocal cursor
        while True:
            finished = done.is_set()
            changes, cursor = await boss.pull_all(cursor, limit=5)
            collected.update(c["record"]["id"] for c in changes if c["op"] == "upsert")
            if finished:
                return
            await asyncio.sleep(0)

    pulling = asyncio.create_task(puller())
    await asyncio.gather(*(writer(d, n) for n, d in enumerate(devices)))
    done.set()
    await asyncio.wait_for(pulling, 60)
    assert len(created) == 4 * rounds * 2
    assert created <= collected


async def test_a_write_on_its_own_waits_its_turn_instead_of_the_busy_timer(client: Client) -> None:
    """On SQLite a single write outside a transaction (a token's last use, a photo's row, an
    audit entry) queues behind the write transaction in progress. With SQLite's busy timer cut
    to 50 ms it would fail with "database is locked" while the transaction holds the lock."""
    if is_postgres():
        pytest.skip("PostgreSQL writers lock rows, not the database")
    db: Any = engine()
    await db.close_connection_pool()
    db.connection_kwargs["timeout"] = 0.05
    await db.start_connection_pool()
    talent = uuid.UUID(talent_of("zhangsan", 3))
    holding, release = asyncio.Event(), asyncio.Event()

    async def writer() -> None:
        async with transaction():
            await Talent.update({Talent.title: "研究员"}).where(Talent.id == talent)
            holding.set()
            await release.wait()

    try:
        held = asyncio.create_task(writer())
        await holding.wait()
        alone = asyncio.create_task(
            Talent.update({Talent.employer: "清源农业科技"}).where(Talent.id == talent).run()
        )
        await asyncio.sleep(0.3)  # six busy timeouts
        assert not alone.done()  # waiting its turn, not failed
        release.set()
        await asyncio.wait_for(asyncio.gather(held, alone), timeout=10)
        row = await Talent.select(Talent.title, Talent.employer).where(Talent.id == talent).first()
        assert row == {"title": "研究员", "employer": "清源农业科技"}
    finally:
        release.set()
        await db.close_connection_pool()
        db.connection_kwargs["timeout"] = 30
        await db.start_connection_pool()
